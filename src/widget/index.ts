/**
 * localrec's library entry: the engine API, the <localrec-recommendations> element (registered on
 * import) and the page-level API for the shop's own events.
 *
 *   <script type="module" src="/assets/localrec/localrec.js"></script>
 *   <localrec-recommendations placement="home" k="8" model-base="/models/movielens/"></localrec-recommendations>
 *
 *   import { configure, track } from 'localrec';
 *   configure({ model: '/models/movielens/', wasmPaths: '/assets/localrec/ort/' });
 *   track({ type: 'add_to_cart', itemId: '50' });
 */
import { defineElements } from './element';

export * from '../index';
export { configure, getRecommender, track, onProgress, type WidgetConfig, type Recommender } from './api';
export { LocalrecRecommendations, defineElements, type Rendered as RecommendationsRow } from './element';
export { displayTitle, metaLine, poster, initials } from './format';

defineElements();
