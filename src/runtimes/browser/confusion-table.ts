import { perClassResults, type ConfusionMatrix } from '../../core/training/confusion.js';

const cell = (tag: 'td' | 'th', text: string, scope?: 'row' | 'col') => {
  const el = Object.assign(document.createElement(tag), { textContent: text });
  if (scope) el.scope = scope;
  return el;
};

/**
 * A confusion matrix as an HTML table: true classes in row headers,
 * predicted classes in column headers, each row's accuracy (recall) last;
 * `caption` says which examples it counts.
 */
export function confusionTable(caption: string, labels: string[], matrix: ConfusionMatrix): HTMLTableElement {
  const table = Object.assign(document.createElement('table'), { className: 'confusion' });
  table.createCaption().textContent = caption;
  const head = table.createTHead().insertRow();
  head.append(cell('th', 'true \\ predicted', 'col'), ...labels.map((l) => cell('th', l, 'col')), cell('th', 'accuracy', 'col'));
  const body = table.createTBody();
  perClassResults(labels, matrix).forEach((r, t) => {
    const row = body.insertRow();
    const counts = matrix[t].map((n, p) => {
      const td = cell('td', String(n));
      if (p === t) td.className = 'hit';
      return td;
    });
    const accuracy = r.accuracy === null ? 'no examples' : `${(r.accuracy * 100).toFixed(0)}% of ${r.examples}`;
    row.append(cell('th', r.class, 'row'), ...counts, cell('td', accuracy));
  });
  return table;
}
