// A Vite app: the package's widget entry, configured after the elements are already in the page.
import { configure, env, track } from 'localrec/widget';

// the app serves the package's dist/lib/ort/ at /ort/ (docs/widget.md)
env.runtime = '/ort/';
configure({ model: '/models/shop/' });
window.consumerTrack = track;
