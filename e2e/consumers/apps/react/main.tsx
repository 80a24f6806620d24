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
  const [warned, setWarned] = useState('');
  // a typed listener through a ref (HTMLElementEventMap) ...
  const ref = useRef<HTMLElementTagNameMap['localrec-recommendations']>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onSelect = (e: CustomEvent<SelectDetail>) => setPicked(e.detail.itemId);
    el.addEventListener('localrec-select', onSelect);
    return () => el.removeEventListener('localrec-select', onSelect);
  }, []);
  // ... and React 19's own custom-element event props
  return (
    <main>
      <localrec-recommendations ref={ref} id="home" placement="home" k={6} exclude={['sku-old']} />
      <localrec-recommendations
        id="unknown"
        placement="item"
        itemId="sku-new"
        exclude={['sku-old', '49']}
        k={4}
        onlocalrec-warning={(e) => setWarned(e.detail.code)}
      />
      <p id="picked">{picked}</p>
      <p id="warned">{warned}</p>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(<App />);
