/** The scaling plot of `npm run bench`: hand-written SVG, no plotting library. */

export interface ScalingPoint {
  name: string;
  items: number;
  /** recommend() p50 on WASM at history 50, ms */
  p50: number;
  /** all model files, bytes */
  bytes: number;
  /** the same on the wire with gzip (optional) */
  gzipBytes?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Two log-log panels side by side: p50 latency and download size against catalogue size. */
export function scalingSvg(points: ScalingPoint[], caption: string): string {
  const W = 830;
  const H = 330;
  const panelW = 330;
  const panelH = 220;
  const top = 50;
  const lefts = [60, 60 + panelW + 80];
  const xs = points.map((p) => p.items);
  const decade = (v: number, up: boolean) => 10 ** (up ? Math.ceil(Math.log10(v)) : Math.floor(Math.log10(v)));
  const xMin = decade(Math.min(...xs, 1000), false);
  const xMax = decade(Math.max(...xs, 1_000_000), true);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13">${esc(caption)}</text>`,
  ];
  const panels: { title: string; get: (p: ScalingPoint) => number; unit: string; fmt: (v: number) => string }[] = [
    {
      title: 'recommend() p50, WASM, history 50 (ms)',
      get: (p) => p.p50,
      unit: 'ms',
      fmt: (v) => (v >= 1 ? String(+v.toPrecision(2)) : v.toPrecision(1)),
    },
    {
      title: 'download size, all model files (MiB)',
      get: (p) => p.bytes / (1 << 20),
      unit: 'MiB',
      fmt: (v) => (v >= 1 ? String(+v.toPrecision(2)) : v.toPrecision(1)),
    },
  ];
  panels.forEach((panel, i) => {
    const left = lefts[i]!;
    const ys = points.map(panel.get).filter((v) => Number.isFinite(v) && v > 0);
    const yMin = decade(Math.min(...ys, 0.1), false);
    const yMax = decade(Math.max(...ys, 1) * 1.01, true);
    const xAt = (v: number) =>
      left + ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * panelW;
    const yAt = (v: number) =>
      top + panelH - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * panelH;
    out.push(`<text x="${left + panelW / 2}" y="${top - 10}" text-anchor="middle">${esc(panel.title)}</text>`);
    out.push(`<rect x="${left}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#888"/>`);
    for (let v = xMin; v <= xMax * 1.001; v *= 10) {
      out.push(`<line x1="${xAt(v)}" y1="${top}" x2="${xAt(v)}" y2="${top + panelH}" stroke="#eee"/>`);
      out.push(
        `<text x="${xAt(v)}" y="${top + panelH + 14}" text-anchor="middle">${v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : v}</text>`,
      );
    }
    for (let v = yMin; v <= yMax * 1.001; v *= 10) {
      out.push(`<line x1="${left}" y1="${yAt(v)}" x2="${left + panelW}" y2="${yAt(v)}" stroke="#eee"/>`);
      out.push(`<text x="${left - 4}" y="${yAt(v) + 4}" text-anchor="end">${panel.fmt(v)}</text>`);
    }
    out.push(
      `<text x="${left + panelW / 2}" y="${top + panelH + 30}" text-anchor="middle">catalogue size (items, log scale)</text>`,
    );
    const pts = points
      .filter((p) => Number.isFinite(panel.get(p)) && panel.get(p) > 0)
      .sort((a, b) => a.items - b.items);
    if (pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="#36c" stroke-width="1.5" points="${pts.map((p) => `${xAt(p.items).toFixed(1)},${yAt(panel.get(p)).toFixed(1)}`).join(' ')}"/>`,
      );
    }
    // labels above their points, pushed up while they would overlap an earlier label
    const placed: { x0: number; x1: number; y: number }[] = [];
    for (const p of pts) {
      const x = xAt(p.items);
      const y = yAt(panel.get(p));
      const label = `${p.name} ${panel.fmt(panel.get(p))} ${panel.unit}`;
      const box = { x0: x + 6, x1: x + 6 + label.length * 6.2, y: y - 8 };
      while (placed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && Math.abs(b.y - box.y) < 13)) box.y -= 13;
      placed.push(box);
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="#36c"/>`);
      out.push(`<text x="${box.x0.toFixed(1)}" y="${box.y.toFixed(1)}">${esc(label)}</text>`);
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
