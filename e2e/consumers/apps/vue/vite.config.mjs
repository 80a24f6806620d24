// Vite with Vue's runtime template compiler (an app with single-file components uses @vitejs/plugin-vue
// instead); nothing localrec-specific.
export default { resolve: { alias: { vue: 'vue/dist/vue.esm-bundler.js' } } };
