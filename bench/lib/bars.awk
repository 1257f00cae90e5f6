# Horizontal bar chart as SVG, for docs/benchmarks.md. Input lines: "label|value|note" (note
# optional, printed after the value); a line "# title" sets the title, "## section" starts a group
# of bars sharing one scale. Usage: awk -f bench/lib/bars.awk rows.txt > chart.svg
BEGIN { FS = "|"; n = 0; title = ""; section = ""; }
/^# / { title = substr($0, 3); next }
/^## / { section = substr($0, 4); sections[++ns] = section; next }
NF >= 2 {
  n++; label[n] = $1; value[n] = $2 + 0; note[n] = (NF >= 3 ? $3 : ""); sec[n] = section
  if (value[n] > max[section]) max[section] = value[n]
}
END {
  longest = 0
  for (i = 1; i <= n; i++) if (length(label[i]) > longest) longest = length(label[i])
  left = int(longest * 6.6) + 24; if (left < 120) left = 120
  width = left + 560; barh = 20; gap = 6; y = 36
  for (i = 1; i <= n; i++) { if (i == 1 || sec[i] != sec[i - 1]) y += 28; y += barh + gap }
  height = y + 16
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", width, height
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>\n", esc(title)
  y = 36
  for (i = 1; i <= n; i++) {
    if (i == 1 || sec[i] != sec[i - 1]) {
      y += 28
      printf "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>\n", y - 8, esc(sec[i])
    }
    scale = max[sec[i]] > 0 ? (width - left - 170) / max[sec[i]] : 0
    w = value[i] * scale
    color = (label[i] ~ /nginx|bare|without|stateful-mock/) ? "#94a3b8" : "#6366f1"
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8, y + 14, esc(label[i])
    printf "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"%s\"/>\n", left, y, w, barh, color
    printf "<text x=\"%.0f\" y=\"%d\">%s %s</text>\n", left + w + 6, y + 14, fmt(value[i]), esc(note[i])
    y += barh + gap
  }
  printf "</svg>\n"
}
function fmt(v) { return (v == int(v)) ? sprintf("%d", v) : sprintf("%.2f", v) }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
