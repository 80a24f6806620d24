// Vite with its defaults; nothing localrec-specific.
export default {};
