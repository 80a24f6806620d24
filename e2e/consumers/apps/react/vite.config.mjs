// Vite with React's automatic JSX runtime (what @vitejs/plugin-react configures); nothing localrec-specific.
export default { oxc: { jsx: { runtime: 'automatic' } } };
