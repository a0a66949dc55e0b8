/** @module The server's entry point (`npm start`). */
import { serve } from './serve.js';

process.exit(await serve());
