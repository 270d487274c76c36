// One CSV line as fields with their spans, for the grid's cell edits.
//
// The grid shows one record per line. A cell edit rewrites only that field's text in the line
// (quoted only when needed, as the core's encoder does), so every other byte of the record stays as
// it was. Lines whose quotes do not close (a record spanning lines) are shown raw and not editable;
// bulk edits (`where/set`) go through the engine, which knows multi-line records.

/**
 * Splits `line` into fields: `[{ value, start, end }]` (string indices of the raw field), or null
 * when a quoted field does not close on this line.
 */
export function splitLine(line, delimiter = ',', quote = '"') {
  const fields = [];
  let i = 0;
  for (;;) {
    const start = i;
    let value = '';
    if (line[i] === quote) {
      i++;
      for (;;) {
        const q = line.indexOf(quote, i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line[q + 1] === quote) {
          value += quote;
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const d = line.indexOf(delimiter, i);
      const end = d < 0 ? line.length : d;
      value += line.slice(i, end); // text after a closing quote is kept as is
      i = end;
    } else {
      const d = line.indexOf(delimiter, i);
      i = d < 0 ? line.length : d;
      value = line.slice(start, i);
    }
    fields.push({ value, start, end: i });
    if (i >= line.length) return fields;
    i++; // the delimiter
    if (i === line.length) {
      fields.push({ value: '', start: i, end: i });
      return fields;
    }
  }
}

/** `value` as one field: as is, or quoted with inner quotes doubled when it needs quotes. */
export function encodeField(value, delimiter = ',', quote = '"') {
  if (!value.includes(delimiter) && !value.includes(quote) && !/[\r\n]/.test(value)) return value;
  return quote + value.split(quote).join(quote + quote) + quote;
}

/** `line` with field `index` replaced by `value`; null when the line cannot be split. */
export function setField(line, index, value, delimiter = ',', quote = '"') {
  const fields = splitLine(line, delimiter, quote);
  if (!fields || index >= fields.length) return null;
  const f = fields[index];
  return line.slice(0, f.start) + encodeField(value, delimiter, quote) + line.slice(f.end);
}

/** Guesses the delimiter from the file name and the header line. */
export function guessDelimiter(name, header) {
  if (/\.tsv$/i.test(name)) return '\t';
  const counts = [',', ';', '\t', '|'].map((d) => [d, header.split(d).length]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 1 ? counts[0][0] : ',';
}
