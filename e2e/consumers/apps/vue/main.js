// A Vue 3 app: the element in a template, bound properties (:k, :exclude) and an event listener.
import { configure, env, track } from 'localrec/widget';
import { createApp, ref } from 'vue';

env.runtime = '/ort/';
configure({ model: '/models/shop/' });
window.consumerTrack = track;

const app = createApp({
  setup() {
    const picked = ref('');
    return { picked, onSelect: (e) => (picked.value = e.detail.itemId) };
  },
  template: `
    <localrec-recommendations id="home" placement="home" :k="6" :exclude="['sku-old']" @localrec-select="onSelect"></localrec-recommendations>
    <localrec-recommendations id="unknown" placement="item" item-id="sku-new" :exclude="['sku-old', '49']" :k="4"></localrec-recommendations>
    <p id="picked">{{ picked }}</p>`,
});
// the tag is a custom element, not a Vue component
app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('localrec-');
app.mount('#app');
