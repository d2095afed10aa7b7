# SPDX-License-Identifier: GPL-2.0
# The chart of `make bench`, run in its results directory: medians.tsv ->
# chart.png (times in ms of guest time, by CPU count).
set terminal pngcairo size 900,420 font ",10"
set output "chart.png"
set multiplot layout 1,2 title "vmxon vs kvm\\_intel (enable\\_virt\\_at\\_load=1), Bochs corei7\\_skylake\\_x, 6.12, medians"
set xlabel "CPUs"
set ylabel "ms (guest time)"
set xtics (1, 2, 4)
set logscale x 2
set xrange [0.8:5]
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set key top left
set grid ytics
set title "enable every CPU"
plot "medians.tsv" using 1:2 with linespoints lw 2 title "vmxon enable (ktime)", \
     "" using 1:3 with linespoints lw 2 title "vmxon insmod", \
     "" using 1:4 with linespoints lw 2 title "kvm\\_intel insmod"
set title "disable every CPU"
plot "medians.tsv" using 1:5 with linespoints lw 2 title "vmxon disable (ktime)", \
     "" using 1:6 with linespoints lw 2 title "vmxon rmmod", \
     "" using 1:7 with linespoints lw 2 title "kvm\\_intel rmmod"
unset multiplot
