// A React 19 app: the element in JSX with properties (k={6}, exclude={[...]}) and a typed event.
import { configure, env, type SelectDetail, track } from 'localrec/widget';
import type {} from 'localrec/react';
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';

env.runtime = '/ort/';
configure({ model: '/models/shop/' });
(window as unknown as { consumerTrack: typeof track }).consumerTrack = track;

function App() {
  const [picked, setPicked] = useState('');
  const ref = useRef<HTMLElementTagNameMap['localrec-recommendations']>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onSelect = (e: CustomEvent<SelectDetail>) => setPicked(e.detail.itemId);
    el.addEventListener('localrec-select', onSelect);
    return () => el.removeEventListener('localrec-select', onSelect);
  }, []);
  return (
    <main>
      <localrec-recommendations ref={ref} id="home" placement="home" k={6} exclude={['sku-old']} />
      <localrec-recommendations id="unknown" placement="item" itemId="sku-new" exclude={['sku-old', '49']} k={4} />
      <p id="picked">{picked}</p>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(<App />);
