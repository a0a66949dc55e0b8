/** @module The one rule for images and text-only models: refused before any provider call, with a clear 422. */
import { CallError } from '../lib/call-error.js';
import type { LoadedConfig } from './config/config-check.js';

/** UNSUPPORTED_CONTENT when the config says its model takes no images (`"vision": false`). `where` names the images. */
export function refuseImagesWithoutVision(loaded: LoadedConfig, where: string): void {
  if (loaded.config.vision !== false) return;
  throw new CallError(
    'UNSUPPORTED_CONTENT',
    `${where} has images, but ${loaded.label} is text-only ("vision": false); use a config whose model takes images, or send text only`,
    { details: { field: 'vision' } },
  );
}
