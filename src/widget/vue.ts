/**
 * Types only: <localrec-recommendations> in Vue 3 templates (`import type {} from 'localrec/vue'`
 * once in the app). Vue must be told the tag is a custom element (`isCustomElement`, see
 * docs/widget.md); it then sets the properties, which all have setters.
 */
import type { DefineComponent } from 'vue';
import type { WarningDetail } from './api';
import type { ErrorDetail, Placement, RenderDetail, SelectDetail } from './element';

export interface LocalrecRecommendationsVueProps {
  placement?: Placement;
  itemId?: string | number | null;
  k?: number | string;
  exclude?: readonly string[] | string;
  candidates?: readonly string[] | string;
  heading?: string;
  hrefTemplate?: string;
  dedupe?: boolean;
  modelBase?: string;
  wasmBase?: string;
  'onLocalrec-select'?: (e: CustomEvent<SelectDetail>) => void;
  'onLocalrec-render'?: (e: CustomEvent<RenderDetail>) => void;
  'onLocalrec-error'?: (e: CustomEvent<ErrorDetail>) => void;
  'onLocalrec-warning'?: (e: CustomEvent<WarningDetail>) => void;
}

declare module 'vue' {
  interface GlobalComponents {
    'localrec-recommendations': DefineComponent<LocalrecRecommendationsVueProps>;
  }
}
