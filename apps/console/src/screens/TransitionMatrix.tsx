export interface PreviewCounts {
  total: number;
  moved: number;
  perPersona: Record<string, number>;
  transitions: Record<string, Record<string, number>>;
}

/**
 * From today's persona (rows) to the draft's (columns). Cell shade grows with the count; the
 * diagonal (customers who stay) is outlined so moves stand out.
 */
export function TransitionMatrix({ counts, names }: { counts: PreviewCounts; names: Record<string, string> }) {
  const from = Object.keys(counts.transitions);
  const to = [...new Set([...Object.keys(counts.perPersona), ...from.filter((f) => f !== '(none)')])];
  const max = Math.max(1, ...from.flatMap((f) => Object.values(counts.transitions[f])));
  const label = (k: string) => (k === '(none)' ? 'not assigned' : (names[k] ?? k));
  return (
    <div className="matrix-block">
      <h3>Customers per persona under the draft</h3>
      <ul className="bars" aria-label="Customers per persona under the draft">
        {to.map((k) => {
          const n = counts.perPersona[k] ?? 0;
          return (
            <li key={k} data-testid={`preview-${k}`}>
              <span className="bar-label">{label(k)}</span>
              <span className="bar" style={{ width: `${Math.max(1, (n / Math.max(1, counts.total)) * 100)}%` }} aria-hidden="true" />
              <span className="num">{n.toLocaleString('en-US')}</span>
            </li>
          );
        })}
      </ul>
      <div className="table-wrap" tabIndex={0} aria-label="Transition matrix, scrollable">
        <table className="matrix">
          <caption>
            Transitions: from today’s persona (rows) to the draft’s (columns); {counts.moved.toLocaleString('en-US')} would move.
          </caption>
          <thead>
            <tr>
              <th scope="col">From \ to</th>
              {to.map((t) => (
                <th scope="col" key={t}>
                  {label(t)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {from.map((f) => (
              <tr key={f}>
                <th scope="row">{label(f)}</th>
                {to.map((t) => {
                  const n = counts.transitions[f]?.[t] ?? 0;
                  const shade = n === 0 ? 0 : 0.12 + 0.6 * (n / max);
                  return (
                    <td key={t} className={`num ${f === t ? 'stay' : ''}`} style={{ background: `rgba(37, 99, 235, ${shade})`, color: shade > 0.45 ? '#fff' : undefined }}>
                      {n.toLocaleString('en-US')}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
