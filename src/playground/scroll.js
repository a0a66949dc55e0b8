// The page scrolls as one (the composer stays at the bottom): a conversation opens at its newest message, and a
// streaming reply is followed as it grows, unless the reader scrolled up to read something older.

/** How close to the end still counts as "at the newest message", in pixels. */
const slack = 120;

export function isNearBottom() {
  const page = document.documentElement;
  return window.innerHeight + window.scrollY >= page.scrollHeight - slack;
}

export function scrollToNewest() {
  window.scrollTo({ top: document.documentElement.scrollHeight, behavior: 'instant' });
}
