// A webpack 5 app: the package's widget entry bundled into a classic script.
import { configure, env, track } from 'localrec/widget';

env.runtime = '/ort/';
configure({ model: '/models/shop/' });
window.consumerTrack = track;
