// bigedit — the module worker behind the main-thread facade (js/index.js): serves the
// worker-level engine (js/engine.js) over postMessage (protocol in js/rpc.js).
import * as engine from './engine.js';
import { serve } from './rpc.js';

serve(engine, self);
