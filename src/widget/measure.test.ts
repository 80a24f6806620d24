import { describe, expect, it } from 'vitest';
import { ga4Event, measureWithDataLayer } from './measure';

describe('measurement: GA4 e-commerce events from the widget events', () => {
  it('view_item_list carries the items shown, the row and the positions, nothing else', () => {
    const e = ga4Event('impression', {
      placement: 'item',
      items: [
        { id: 'sku-1', title: 'Blue mug', price: 12.5, currency: 'EUR', brand: 'Acme', category: 'Kitchen' },
        { id: 'sku-2', title: 'Red mug' },
      ],
      experiment: { name: 'rows-v1', arm: 'model' },
    });
    expect(e).toEqual({
      event: 'view_item_list',
      ecommerce: {
        item_list_id: 'item',
        item_list_name: 'item',
        currency: 'EUR',
        items: [
          {
            item_id: 'sku-1',
            item_name: 'Blue mug',
            index: 0,
            item_list_name: 'item',
            price: 12.5,
            item_brand: 'Acme',
            item_category: 'Kitchen',
          },
          { item_id: 'sku-2', item_name: 'Red mug', index: 1, item_list_name: 'item' },
        ],
      },
      experiment_name: 'rows-v1',
      experiment_arm: 'model',
    });
  });

  it('select_item carries the one item chosen and its position', () => {
    expect(ga4Event('select', { itemId: 'sku-9', item: undefined, placement: 'home', index: 3 })).toEqual({
      event: 'select_item',
      ecommerce: {
        item_list_id: 'home',
        item_list_name: 'home',
        items: [{ item_id: 'sku-9', index: 3, item_list_name: 'home' }],
      },
    });
  });

  it('pushes to dataLayer only after opting in, and stops when asked', () => {
    const target = new EventTarget();
    const g = globalThis as { dataLayer?: unknown[] };
    delete g.dataLayer;
    const fire = () =>
      target.dispatchEvent(
        new CustomEvent('localrec-select', {
          detail: { itemId: 'a', placement: 'cart', index: 0, history: ['secret'] },
        }),
      );
    fire();
    expect(g.dataLayer).toBeUndefined();
    const stop = measureWithDataLayer(target);
    fire();
    expect(g.dataLayer).toHaveLength(2);
    expect(JSON.stringify(g.dataLayer)).not.toContain('secret');
    stop();
    fire();
    expect(g.dataLayer).toHaveLength(2);
    delete g.dataLayer;
  });
});
