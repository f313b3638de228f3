#!/bin/sh
# make-sample.sh - regenerates latency.csv and timeline/*.csv of this sample
# results directory from throughput.csv and fragmentation.csv (deterministic).
# The hand-written CSVs are the source; run from anywhere.
set -eu
cd "$(dirname "$0")"
rm -f timeline/*.csv
mkdir -p timeline
awk -F, -v OFS=, '
function ops(w) {
	if (w == "python-json") return "malloc calloc realloc free"
	if (w == "ramp_peaks") return "malloc free"
	return "malloc realloc free"
}
BEGIN { srand(7); print "workload,strategy,op,count,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns" }
FNR == 1 || $NF != "ok" { next }
{
	med = $(NF - 4); n = split(ops($1), op, " ")
	for (i = 1; i <= n; i++) {
		p50 = med * (0.4 + 0.3 * i) * (0.9 + 0.2 * rand())
		if (op[i] == "free") p50 = med * 0.3
		printf "%s,%s,%s,%d,%.1f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f\n", $1, $2, op[i], $(NF - 5) / n,
		    p50 * 1.3, p50, p50 * 1.8, p50 * 4, p50 * 12, p50 * 40, p50 * 400 * (1 + rand())
	}
}' throughput.csv > latency.csv
# One timeline per ok fragmentation row: live bytes follow the workload's
# shape over the events of throughput.csv; heap bytes grow in 64 KiB steps
# towards live * (1 + frag_peaks).
awk -F, -v OFS=, '
function shape(w, x) {
	if (w == "python-json") return x < 0.3 ? x / 0.3 : 1 - 0.1 * (x - 0.3)
	if (w == "ramp_peaks") return x < 0.5 ? 2 * x * (0.7 + 0.3 * sin(40 * x)^2) : 2 * (1 - x)
	return 0.5 + 0.5 * ((x * 6) - int(x * 6))
}
FNR == 1 || $NF != "ok" { next }
{
	w = $1; s = $2; peak = $3; f = $7; gsub(/[^A-Za-z0-9._-]/, "_", s)
	file = "timeline/" w "__" s ".csv"; heap = 0
	step = w == "python-json" ? 120 : w == "ramp_peaks" ? 50 : 24
	print "event,live_bytes,heap_bytes" > file
	for (i = 0; i < 1000; i++) {
		live = int(peak * shape(w, i / 999))
		want = live * (1 + f)
		while (heap < want) heap += 65536
		print i * step, live, heap > file
	}
	close(file)
}' fragmentation.csv
