# bench/scenarios.sh: the coverage study's simulated scenarios, sourced
# by bench/coverage.sh and bench/synthesis.sh after each defines
# scenario NAME K N SIMULATE-OPTIONS... (K: the scenario's seed offset,
# N: the true size of each population).  One list, so both studies draw
# the same populations.

# (a) independent lists, everyone equally catchable: every method's
# assumptions hold (chao's lower bound is then the estimate itself).
scenario independent 1 1000 \
    --lists A,B,C,D --capture 0.2,0.15,0.25,0.1

# (b) heterogeneous capture: a hidden majority (75%) four times less
# catchable (log-odds -1.0) than the visible quarter (+1.5): the latent
# class model's own assumption, which makes lists look positively
# dependent to the others.
scenario heterogeneous 2 1000 \
    --lists A,B,C,D --capture 0.2,0.15,0.25,0.1 \
    --classes 0.75:-1.0,0.25:1.5

# (b') heterogeneous capture of another shape: a continuous personal
# propensity, log-odds ~ N(0, 1) added to every list's (the Rasch model
# M_h), which no method here assumes exactly.
scenario propensity 5 1000 \
    --lists A,B,C,D --capture 0.2,0.15,0.25,0.1 --propensity-sd 1

# (c) positively dependent lists: list A refers 40% of its people not on B
# to B, and C refers 30% to D; capture otherwise homogeneous.
scenario referrals 3 1000 \
    --lists A,B,C,D --capture 0.2,0.15,0.25,0.1 \
    --referral 'A>B:0.4' --referral 'C>D:0.3'

# (d) small and sparse, like the Korea (3 lists, n = 123) and New Orleans
# (n ~ 200) tables: five lists that see 6-15% each, independent and
# homogeneous, so about 170 people seen of 400, most overlaps 0-3.
scenario sparse 4 400 \
    --lists A,B,C,D,E --capture 0.15,0.1,0.08,0.12,0.06
