// Vite with its defaults (the build and the dev server alike); nothing localrec-specific.
export default {};
