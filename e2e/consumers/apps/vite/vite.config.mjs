// Vite with its defaults and the one setting docs/widget.md states: the dev server serves the
// package as it is (not pre-bundled), so its Worker and runtime stay next to its modules.
export default { optimizeDeps: { exclude: ['localrec'] } };
