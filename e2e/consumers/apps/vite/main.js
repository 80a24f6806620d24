// A Vite app: the package's widget entry, configured after the elements are already in the page
// and after a first event was reported (which must not start the recommender with the defaults).
import { configure, env, track } from 'localrec/widget';

track({ type: 'view', itemId: '49' });
// the app serves the package's dist/lib/ort/ at /ort/ (docs/widget.md)
env.runtime = '/ort/';
configure({ model: '/models/shop/' });
window.consumerTrack = track;
