/**
 * localrec's widget entry (the package's `localrec/widget`; the library build's `widget.js`):
 * registers <localrec-recommendations> on import, and the page-level API for the shop's own events.
 * The engine's API is the package's `localrec` (src/index.ts); it is re-exported here so that a
 * page with one script tag has both.
 *
 *   <script type="module" src="/assets/localrec/widget.js"></script>
 *   <localrec-recommendations placement="home" k="8" model-base="/models/movielens/"></localrec-recommendations>
 *
 *   import { configure, track } from '/assets/localrec/widget.js';
 *   configure({ model: '/models/movielens/' });
 *   track({ type: 'add_to_cart', itemId: '50' });
 */
import { defineElements } from './element';
import { definePrivacyPanel } from './privacy-panel';

export * from '../index';
export {
  configure,
  getRecommender,
  onProgress,
  type Recommender,
  TRACK_WAIT_MS,
  track,
  type WarningDetail,
  type WidgetConfig,
} from './api';
export {
  defineElements,
  type ErrorDetail,
  LocalrecRecommendations,
  type Placement,
  type RenderDetail,
  type ImpressionDetail,
  type Rendered as RecommendationsRow,
  type SelectDetail,
} from './element';
export type { ImagePolicy, ProductFields } from './format';
export type { StringOverrides, WidgetStrings } from './strings';
export { LocalrecPrivacyPanel, definePrivacyPanel } from './privacy-panel';
export { type Ga4Event, ga4Event, measureWithDataLayer } from './measure';

defineElements();
definePrivacyPanel();
