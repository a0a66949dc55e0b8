// The body of one message: its text (assistant replies as safe Markdown, user and system text as written), the
// images attached to it, and the tool calls of a reply.
import { renderMarkdownInto } from './markdown.js';

/**
 * @param {string} role
 * @param {string} text
 * @param {boolean} streaming
 */
export function contentElement(role, text, streaming) {
  const content = document.createElement('div');
  content.className = 'content';
  fillContent(content, role, text);
  if (text === '' && !streaming) {
    const empty = document.createElement('span');
    empty.className = 'muted';
    empty.textContent = '(empty)';
    content.append(empty);
  }
  content.dataset.role = role;
  return content;
}

/** @param {HTMLElement} content @param {string} role @param {string} text */
function fillContent(content, role, text) {
  if (role === 'assistant' && text !== '') renderMarkdownInto(content, text);
  else content.textContent = text;
}

let pendingText = /** @type {string | null} */ (null);
let pendingTarget = /** @type {HTMLElement | null} */ (null);

/**
 * A streaming reply's text, redrawn at most once a frame however fast the tokens come.
 * @param {HTMLElement} content
 * @param {string} text
 */
export function updateStreamingContent(content, text) {
  const scheduled = pendingText !== null;
  pendingText = text;
  pendingTarget = content;
  if (scheduled) return;
  requestAnimationFrame(() => {
    const [target, latest] = [pendingTarget, pendingText];
    pendingText = null;
    pendingTarget = null;
    if (target?.isConnected && latest !== null) fillContent(target, target.dataset.role ?? 'assistant', latest);
  });
}

/**
 * The images of a node, each a link to the full picture.
 * @param {any} node
 * @param {number} depth
 * @param {(reference: string) => string} imageUrl
 * @returns {HTMLElement | null}
 */
export function imagesElement(node, depth, imageUrl) {
  const images = Array.isArray(node.attachments)
    ? node.attachments.filter((entry) => entry?.type === 'image' && typeof entry.file === 'string')
    : [];
  if (images.length === 0) return null;
  const list = document.createElement('ul');
  list.className = 'message-images';
  images.forEach((image, index) => {
    const url = imageUrl(image.file);
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    const picture = document.createElement('img');
    picture.src = url;
    picture.alt = `Image ${index + 1} of ${images.length} attached to message ${depth}`;
    picture.loading = 'lazy';
    // A file removed by hand: say so in place of a broken picture.
    picture.addEventListener('error', () => {
      const missing = document.createElement('span');
      missing.className = 'node-error';
      missing.textContent = `Image ${image.file} could not be loaded`;
      link.replaceWith(missing);
    });
    link.append(picture);
    item.append(link);
    list.append(item);
  });
  return list;
}
