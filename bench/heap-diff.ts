/**
 * @module What a set of open streams holds, from two V8 heap snapshots of one process (before the streams opened,
 * and while they are open): the objects of the second that the first did not have (V8 keeps an object's id across
 * snapshots of one process), their bytes grouped by constructor, and grouped by owner: the nearest object above
 * them in the dominator tree whose constructor is a known owner (a socket, a web stream, a generation...), so
 * that a buffer counts for whatever alone keeps it alive. Dominators by Cooper, Harvey and Kennedy's iterative
 * algorithm over the strong edges (weak edges keep nothing alive).
 *
 *   node --import tsx bench/heap-diff.ts <before.heapsnapshot> <during.heapsnapshot> <open streams> [--explain=<owner>]...
 */
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

export interface HeapDiff {
  newObjects: number;
  newBytes: number;
  byConstructor: HeapGroup[];
  byOwner: HeapGroup[];
  /** For each owner name asked about: its largest instances, the chain above each and what they hold. */
  explained: string[];
}

/**
 * Owners, most specific first in spirit: the dominator walk stops at the first one found going up, so a buffer
 * held by one socket is the socket's. Names are constructor names as V8 records them.
 */
export const defaultOwners = [
  // ours
  'Generation',
  'GenerationJournal',
  'ReplyFold',
  'ToolApprovals',
  // web streams (fetch bodies, the SSE body, the SDK's line decoder)
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'ReadableStreamDefaultReader',
  // undici (fetch) and the SDKs
  'Request',
  'Response',
  'Headers',
  'Client',
  'Pool',
  'Stream',
  'APIPromise',
  // node:http server side (the client's request to the engine) and sockets
  'IncomingMessage',
  'ServerResponse',
  'Socket',
  'TLSSocket',
  'HTTPParser',
  // hono
  'Context',
  'HonoRequest',
  // generic machinery
  'AbortController',
  'AbortSignal',
  'Timeout',
  'Promise',
  'AsyncGenerator',
];

export function diffSnapshots(
  beforeFile: string,
  duringFile: string,
  owners: readonly string[] = defaultOwners,
  explain: readonly string[] = [],
): HeapDiff {
  const beforeIds = idsOf(JSON.parse(readFileSync(beforeFile, 'utf8')) as RawSnapshot);
  const raw = JSON.parse(readFileSync(duringFile, 'utf8')) as RawSnapshot;
  const meta = raw.snapshot.meta;
  const nodeFieldCount = meta.node_fields.length;
  const edgeFieldCount = meta.edge_fields.length;
  const typeField = meta.node_fields.indexOf('type');
  const nameField = meta.node_fields.indexOf('name');
  const idField = meta.node_fields.indexOf('id');
  const sizeField = meta.node_fields.indexOf('self_size');
  const edgeCountField = meta.node_fields.indexOf('edge_count');
  const edgeTypeField = meta.edge_fields.indexOf('type');
  const edgeToField = meta.edge_fields.indexOf('to_node');
  const edgeNameField = meta.edge_fields.indexOf('name_or_index');
  const edgeTypes = meta.edge_types[0];
  const nodeTypes = meta.node_types[0];
  const weakEdge = meta.edge_types[0].indexOf('weak');
  const nodeCount = raw.nodes.length / nodeFieldCount;

  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let node = 0, edge = 0; node < nodeCount; node++) {
    firstEdge[node] = edge;
    edge += raw.nodes[node * nodeFieldCount + edgeCountField]!;
    firstEdge[node + 1] = edge;
  }
  const targetOf = (edge: number): number => raw.edges[edge * edgeFieldCount + edgeToField]! / nodeFieldCount;
  const strong = (edge: number): boolean => raw.edges[edge * edgeFieldCount + edgeTypeField] !== weakEdge;

  // Post-order numbering from the root (node 0), iteratively.
  const order = new Int32Array(nodeCount).fill(-1);
  const byOrder = new Int32Array(nodeCount);
  let numbered = 0;
  {
    const visited = new Uint8Array(nodeCount);
    const stack = new Int32Array(nodeCount);
    const cursor = new Uint32Array(nodeCount);
    let top = 0;
    stack[0] = 0;
    visited[0] = 1;
    cursor[0] = firstEdge[0]!;
    while (top >= 0) {
      const node = stack[top]!;
      if (cursor[node]! < firstEdge[node + 1]!) {
        const edge = cursor[node]!++;
        if (!strong(edge)) continue;
        const target = targetOf(edge);
        if (visited[target]) continue;
        visited[target] = 1;
        cursor[target] = firstEdge[target]!;
        stack[++top] = target;
      } else {
        order[node] = numbered;
        byOrder[numbered++] = node;
        top--;
      }
    }
  }

  // Predecessors of reachable nodes, as a compressed list indexed by post-order number.
  const predecessorCount = new Uint32Array(numbered + 1);
  for (let node = 0; node < nodeCount; node++) {
    if (order[node]! < 0) continue;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge++) {
      if (strong(edge) && order[targetOf(edge)]! >= 0) predecessorCount[order[targetOf(edge)]! + 1]!++;
    }
  }
  for (let index = 0; index < numbered; index++) predecessorCount[index + 1]! += predecessorCount[index]!;
  const predecessors = new Int32Array(predecessorCount[numbered]!);
  const filled = predecessorCount.slice(0, numbered);
  for (let node = 0; node < nodeCount; node++) {
    if (order[node]! < 0) continue;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge++) {
      const target = order[targetOf(edge)]!;
      if (strong(edge) && target >= 0) predecessors[filled[target]!++] = order[node]!;
    }
  }

  // Immediate dominators, in post-order numbers; the root is the last number.
  const root = numbered - 1;
  const dominator = new Int32Array(numbered).fill(-1);
  dominator[root] = root;
  for (let changed = true; changed;) {
    changed = false;
    for (let index = root - 1; index >= 0; index--) {
      let chosen = -1;
      for (let slot = predecessorCount[index]!; slot < predecessorCount[index + 1]!; slot++) {
        const predecessor = predecessors[slot]!;
        if (dominator[predecessor] === -1) continue;
        if (chosen === -1) chosen = predecessor;
        else {
          let left = predecessor;
          let right = chosen;
          while (left !== right) {
            while (left < right) left = dominator[left]!;
            while (right < left) right = dominator[right]!;
          }
          chosen = left;
        }
      }
      if (chosen !== -1 && dominator[index] !== chosen) {
        dominator[index] = chosen;
        changed = true;
      }
    }
  }

  const ownerSet = new Set(owners);
  const groupName = (node: number): string => {
    const base = node * nodeFieldCount;
    const type = nodeTypes[raw.nodes[base + typeField]!]!;
    const name = raw.strings[raw.nodes[base + nameField]!]!;
    if (type === 'object' || type === 'native') return name;
    if (type === 'closure') return `(closure ${name || 'anonymous'})`;
    if (type === 'hidden' || type === 'code' || type === 'array') return `(${type} ${name.slice(0, 40)})`;
    return `(${type})`;
  };
  // Nearest owner on the dominator chain, computed from the root down (a dominator has the higher number).
  const owner = new Int32Array(numbered).fill(-1);
  for (let index = root - 1; index >= 0; index--) {
    const node = byOrder[index]!;
    const base = node * nodeFieldCount;
    const isOwner = ownerSet.has(raw.strings[raw.nodes[base + nameField]!]!) && nodeTypes[raw.nodes[base + typeField]!] === 'object';
    owner[index] = isOwner ? index : dominator[index]! >= 0 && dominator[index] !== root ? owner[dominator[index]!]! : -1;
  }

  const byConstructor = new Map<string, HeapGroup>();
  const byOwner = new Map<string, HeapGroup>();
  const add = (groups: Map<string, HeapGroup>, name: string, bytes: number): void => {
    const group = groups.get(name) ?? { name, count: 0, bytes: 0 };
    group.count++;
    group.bytes += bytes;
    groups.set(name, group);
  };
  let newObjects = 0;
  let newBytes = 0;
  for (let index = 0; index < numbered; index++) {
    const node = byOrder[index]!;
    const base = node * nodeFieldCount;
    if (beforeIds.has(raw.nodes[base + idField]!)) continue;
    const bytes = raw.nodes[base + sizeField]!;
    newObjects++;
    newBytes += bytes;
    add(byConstructor, groupName(node), bytes);
    const ownerIndex = owner[index]!;
    add(byOwner, ownerIndex < 0 ? `(no owner) ${groupName(node)}` : groupName(byOrder[ownerIndex]!), bytes);
  }
  const sorted = (groups: Map<string, HeapGroup>): HeapGroup[] => [...groups.values()].sort((a, b) => b.bytes - a.bytes);

  // Explanations: per owner instance, the new bytes below it; the largest few, with the chain that holds them.
  const explained: string[] = [];
  const edgeLabel = (from: number, to: number): string => {
    for (let edge = firstEdge[from]!; edge < firstEdge[from + 1]!; edge++) {
      if (targetOf(edge) !== to) continue;
      const type = edgeTypes[raw.edges[edge * edgeFieldCount + edgeTypeField]!]!;
      const name = raw.edges[edge * edgeFieldCount + edgeNameField]!;
      return type === 'element' || type === 'hidden' ? `[${name}]` : `.${raw.strings[name]}`;
    }
    return '(not direct)';
  };
  for (const wanted of explain) {
    const perInstance = new Map<number, Map<string, HeapGroup>>();
    for (let index = 0; index < numbered; index++) {
      const ownerIndex = owner[index]!;
      if (ownerIndex < 0 || groupName(byOrder[ownerIndex]!) !== wanted) continue;
      const base = byOrder[index]! * nodeFieldCount;
      if (beforeIds.has(raw.nodes[base + idField]!)) continue;
      const groups = perInstance.get(ownerIndex) ?? new Map<string, HeapGroup>();
      add(groups, groupName(byOrder[index]!), raw.nodes[base + sizeField]!);
      perInstance.set(ownerIndex, groups);
    }
    const total = (groups: Map<string, HeapGroup>): number => [...groups.values()].reduce((sum, group) => sum + group.bytes, 0);
    const largest = [...perInstance.entries()].sort((a, b) => total(b[1]) - total(a[1])).slice(0, 3);
    const all = new Map<string, HeapGroup>();
    for (const groups of perInstance.values()) {
      for (const group of groups.values()) {
        const sum = all.get(group.name) ?? { name: group.name, count: 0, bytes: 0 };
        sum.count += group.count;
        sum.bytes += group.bytes;
        all.set(group.name, sum);
      }
    }
    explained.push(
      `${wanted}: ${perInstance.size} instances hold new objects: ${sorted(all)
        .slice(0, 14)
        .map((group) => `${group.name} ×${group.count} ${group.bytes}`)
        .join(', ')}`,
    );
    for (const [ownerIndex, groups] of largest) {
      const chain: string[] = [];
      for (let index = ownerIndex, depth = 0; index !== root && depth < 14; depth++) {
        const parent = dominator[index]!;
        chain.push(`${groupName(byOrder[index]!)} <-${edgeLabel(byOrder[parent]!, byOrder[index]!)}-`);
        index = parent;
      }
      explained.push(`  ${total(groups)} bytes: ${chain.join(' ')}`);
      explained.push(
        `    holds: ${sorted(groups)
          .slice(0, 10)
          .map((group) => `${group.name} ×${group.count} ${group.bytes}`)
          .join(', ')}`,
      );
    }
  }
  return { newObjects, newBytes, byConstructor: sorted(byConstructor), byOwner: sorted(byOwner), explained };
}

function idsOf(raw: RawSnapshot): Set<number> {
  const fields = raw.snapshot.meta.node_fields;
  const idField = fields.indexOf('id');
  const ids = new Set<number>();
  for (let base = 0; base < raw.nodes.length; base += fields.length) ids.add(raw.nodes[base + idField]!);
  return ids;
}

/** The groups as a Markdown table, KB per stream, down to `minimumKb`, the rest summed. */
export function groupTable(title: string, groups: HeapGroup[], streams: number, minimumKb = 0.25): string[] {
  const kb = (bytes: number): string => (bytes / streams / 1024).toFixed(2);
  const shown = groups.filter((group) => group.bytes / streams / 1024 >= minimumKb);
  const rest = groups.slice(shown.length);
  return [
    `| ${title} | objects / stream | KB / stream |`,
    '|---|---|---|',
    ...shown.map((group) => `| ${group.name} | ${(group.count / streams).toFixed(1)} | ${kb(group.bytes)} |`),
    `| (the rest: ${rest.length} groups) | ${(rest.reduce((sum, group) => sum + group.count, 0) / streams).toFixed(1)} | ${kb(rest.reduce((sum, group) => sum + group.bytes, 0))} |`,
  ];
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [beforeFile, duringFile, streamsText = '1'] = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
  const explain = process.argv
    .slice(2)
    .filter((argument) => argument.startsWith('--explain='))
    .map((argument) => argument.slice('--explain='.length));
  if (beforeFile === undefined || duringFile === undefined) {
    process.stderr.write('usage: heap-diff.ts <before.heapsnapshot> <during.heapsnapshot> <open streams>\n');
    process.exit(2);
  }
  const streams = Number(streamsText);
  const diff = diffSnapshots(beforeFile, duringFile, defaultOwners, explain);
  process.stdout.write(
    [
      `${diff.newObjects} new objects, ${(diff.newBytes / 1024 / streams).toFixed(1)} KB per stream over ${streams} streams`,
      '',
      ...groupTable('owner (nearest dominator)', diff.byOwner, streams),
      '',
      ...groupTable('constructor', diff.byConstructor, streams),
      '',
      ...diff.explained,
      '',
    ].join('\n'),
  );
}
