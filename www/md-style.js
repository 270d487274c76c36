// Markdown highlighting for the editor window, in the page's colours (CSS variables of
// style.css, so it follows the light and dark themes): headings, emphasis, code, links, and the
// markup characters muted. No font sizes: every line keeps one height (the window's line moves
// and scroll positions count lines).

import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

const style = HighlightStyle.define([
  { tag: [t.heading1, t.heading2, t.heading3, t.heading4, t.heading5, t.heading6], fontWeight: 'bold', color: 'var(--accent)' },
  { tag: t.strong, fontWeight: 'bold' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strikethrough, textDecoration: 'line-through' },
  { tag: t.monospace, color: 'var(--c2)' },
  { tag: t.link, color: 'var(--c5)', textDecoration: 'underline' },
  { tag: t.url, color: 'var(--muted)' },
  { tag: t.quote, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [t.processingInstruction, t.meta, t.contentSeparator, t.labelName], color: 'var(--muted)' },
]);

/** The extension. */
export const markdownHighlighting = syntaxHighlighting(style);
