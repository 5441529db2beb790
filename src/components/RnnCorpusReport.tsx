import type { PtbFileReport } from '../data/ptb';
import type { PtbSummary } from '../../workers/api';

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The Penn Treebank side of the data panel: one line per file of the latest
 * drop (what it was read as, or why it was refused), then the corpus that is
 * loaded: vocabulary and tokens per split.
 */
export function RnnCorpusReport({ corpus }: { corpus: PtbSummary }) {
  const loaded = corpus.trainTokens > 0;
  return (
    <div className="dataset-report ptb-report" data-testid="ptb-report">
      <ul className="file-reports" data-testid="ptb-file-reports">
        {corpus.files.map((report, i) => (
          <li
            key={`${report.file}-${i}`}
            className={`file-report ${report.ok ? 'ok' : 'rejected'}`}
            data-file={report.file}
            data-ok={String(report.ok)}
          >
            <span className="mark" aria-hidden>
              {report.ok ? '✓' : '✗'}
            </span>
            <span className="file-name">{report.file}</span>
            <span className="file-verdict">{verdict(report)}</span>
          </li>
        ))}
      </ul>
      {corpus.error && (
        <p className="drop-notice" role="status" data-testid="ptb-error">
          {loaded
            ? `${corpus.error} The corpus loaded before stays.`
            : corpus.error}
        </p>
      )}
      {loaded && (
        <table
          className="ptb-counts"
          data-testid="ptb-counts"
          aria-label="The loaded corpus"
        >
          <caption>
            {corpus.source === 'demo' ? 'Demo corpus' : corpus.name}
          </caption>
          <tbody>
            <tr>
              <th scope="row">Vocabulary</th>
              <td data-testid="ptb-vocabulary">{count(corpus.vocabulary)}</td>
            </tr>
            <tr>
              <th scope="row">Training tokens</th>
              <td>{count(corpus.trainTokens)}</td>
            </tr>
            <tr>
              <th scope="row">Validation tokens</th>
              <td>{count(corpus.validTokens)}</td>
            </tr>
            <tr>
              <th scope="row">Test tokens</th>
              <td>
                {corpus.testTokens > 0
                  ? count(corpus.testTokens)
                  : 'none (drop ptb.test.txt to test a retrain)'}
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </div>
  );
}

/** "train · 887,521 tokens · 42,068 lines · 10,000 words" or why it was refused. */
function verdict(report: PtbFileReport): string {
  if (!report.ok) {
    const base = report.file.split(/[\\/]/).pop() ?? report.file;
    const error = report.error ?? 'rejected';
    return error.startsWith(`${base}: `) ? error.slice(base.length + 2) : error;
  }
  const parts: string[] = [report.role ?? 'file'];
  if (report.tokens !== undefined) parts.push(`${count(report.tokens)} tokens`);
  if (report.lines !== undefined) parts.push(`${count(report.lines)} lines`);
  if (report.types !== undefined) parts.push(`${count(report.types)} words`);
  return parts.join(' · ');
}
