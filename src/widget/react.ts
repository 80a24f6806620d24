/**
 * Types only: <localrec-recommendations> in React 19's JSX (`import type {} from 'localrec/react'`
 * once in the app). React 19 sets properties on custom elements, and every attribute of the
 * element has a property with a setter, so `k={4}` and `exclude={cart}` work as written.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ErrorDetail, LocalrecRecommendations, Placement, RenderDetail, SelectDetail } from './element';
import type { WarningDetail } from './api';

export interface LocalrecRecommendationsJsxProps
  extends DetailedHTMLProps<HTMLAttributes<LocalrecRecommendations>, LocalrecRecommendations> {
  placement?: Placement;
  'item-id'?: string;
  itemId?: string | number | null;
  k?: number | string;
  exclude?: readonly string[] | string;
  candidates?: readonly string[] | string;
  heading?: string;
  'href-template'?: string;
  hrefTemplate?: string;
  dedupe?: boolean;
  'model-base'?: string;
  'wasm-base'?: string;
  'onlocalrec-select'?: (e: CustomEvent<SelectDetail>) => void;
  'onlocalrec-render'?: (e: CustomEvent<RenderDetail>) => void;
  'onlocalrec-error'?: (e: CustomEvent<ErrorDetail>) => void;
  'onlocalrec-warning'?: (e: CustomEvent<WarningDetail>) => void;
}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'localrec-recommendations': LocalrecRecommendationsJsxProps;
    }
  }
}
