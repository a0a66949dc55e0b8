// Message text as Markdown, made safe: `marked` turns it into HTML, DOMPurify removes anything that could run or
// load from elsewhere, and code blocks get a Copy button. Both libraries come from node_modules via /playground/vendor/.
import { marked } from '/playground/vendor/marked.js';
import DOMPurify from '/playground/vendor/purify.js';

// Links open in a new tab and tell the page they lead to nothing about this one.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Sanitised HTML by source text: a re-render (every watch event, every branch switch) parses only what changed. */
const cache = new Map();
const cacheLimit = 300;

/** @param {string} text @returns {string} HTML that holds nothing that runs */
export function markdownToSafeHtml(text) {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const html = DOMPurify.sanitize(String(marked.parse(text, { gfm: true, breaks: true, async: false })).trim(), {
    // Images in a reply would load from anywhere (the page's CSP blocks them anyway); forms and styles have no place.
    FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'textarea', 'select'],
    FORBID_ATTR: ['style'],
  });
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value);
  cache.set(text, html);
  return html;
}

/**
 * Fills `container` with the rendered text and a Copy button on each code block.
 * @param {HTMLElement} container
 * @param {string} text
 */
export function renderMarkdownInto(container, text) {
  container.innerHTML = markdownToSafeHtml(text);
  container.classList.add('markdown');
  for (const block of container.querySelectorAll('pre')) addCopyButton(block);
}

/** @param {HTMLPreElement} block */
function addCopyButton(block) {
  const wrapper = document.createElement('div');
  wrapper.className = 'code-block';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy-code';
  copy.textContent = 'Copy';
  const language = /language-([\w+-]+)/.exec(block.querySelector('code')?.className ?? '')?.[1];
  copy.setAttribute('aria-label', language ? `Copy the ${language} code` : 'Copy the code');
  copy.addEventListener('click', () => void copyCode(block, copy));
  block.replaceWith(wrapper);
  wrapper.append(copy, block);
}

/** @param {HTMLPreElement} block @param {HTMLButtonElement} control */
async function copyCode(block, control) {
  const text = block.querySelector('code')?.textContent ?? block.textContent ?? '';
  try {
    await navigator.clipboard.writeText(text);
    control.textContent = 'Copied';
  } catch {
    // No clipboard (an insecure origin, a refused permission): select the code so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(block);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    control.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => (control.textContent = 'Copy'), 2000);
}
