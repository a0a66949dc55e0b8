// Images waiting to be sent with the next message: picked with the file picker or pasted into the message box,
// read as data URLs (what `append_message` takes in `images`), shown as thumbnails that can be removed.

/** What the server keeps (by the file's first bytes; checked there again) and its per-image and per-message limits. */
const acceptedTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const maximumBytes = 5 * 1024 * 1024;
const maximumImages = 8;

/**
 * @param {{ picker: HTMLInputElement, pasteTarget: HTMLElement, list: HTMLElement, problem: HTMLElement }} elements
 * @param {() => void} onChange
 */
export function createImageAttacher(elements, onChange) {
  /** @type {{ name: string, dataUrl: string }[]} */
  let images = [];

  const show = () => {
    const items = images.map((image, index) => {
      const item = document.createElement('li');
      item.className = 'pending-image';
      const thumbnail = document.createElement('img');
      thumbnail.src = image.dataUrl;
      thumbnail.alt = `Image to send: ${image.name}`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.setAttribute('aria-label', `Remove ${image.name}`);
      remove.addEventListener('click', () => {
        images = images.filter((_, other) => other !== index);
        show();
      });
      item.append(thumbnail, remove);
      return item;
    });
    elements.list.replaceChildren(...items);
    elements.list.hidden = items.length === 0;
    onChange();
  };

  const say = (/** @type {string} */ text) => {
    elements.problem.textContent = text;
    elements.problem.hidden = text === '';
  };

  /** @param {File[]} files */
  const add = async (files) => {
    const problems = [];
    for (const file of files) {
      if (images.length >= maximumImages) {
        problems.push(`${file.name}: at most ${maximumImages} images go with one message`);
        continue;
      }
      if (!acceptedTypes.includes(file.type)) {
        problems.push(`${file.name} is not a PNG, JPEG, GIF or WebP image`);
        continue;
      }
      if (file.size > maximumBytes) {
        problems.push(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MiB; an image may be at most 5 MiB`);
        continue;
      }
      try {
        images.push({ name: file.name || 'pasted image', dataUrl: await readAsDataUrl(file) });
      } catch (error) {
        problems.push(`${file.name} could not be read (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    say(problems.join('; '));
    show();
  };

  elements.picker.addEventListener('change', () => {
    void add([...(elements.picker.files ?? [])]);
    elements.picker.value = '';
  });
  elements.pasteTarget.addEventListener('paste', (/** @type {ClipboardEvent} */ event) => {
    const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'));
    if (files.length === 0) return; // text is pasted as usual
    event.preventDefault();
    void add(files);
  });

  return {
    /** @returns {{ data_url: string }[]} as append_message takes them */
    forSending: () => images.map((image) => ({ data_url: image.dataUrl })),
    count: () => images.length,
    clear() {
      images = [];
      say('');
      show();
    },
  };
}

/** @param {Blob} file @returns {Promise<string>} */
function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the browser could not read it'));
    reader.readAsDataURL(file);
  });
}
