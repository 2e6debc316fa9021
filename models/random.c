/*
 * random.c: the random variates the latent-class sampler draws beyond
 * what GSL offers, or faster than GSL draws them.
 *
 * 0. Uniforms from one 32-bit output, (u + 1/2) 2^-32 in (0, 1), where
 *    32 bits of resolution suffice (every acceptance test and inversion
 *    below): half the generator work of gsl_rng_uniform's 53-bit doubles.
 *
 * 1. Gamma(a) draws by Marsaglia & Tsang (2000, "A simple method for
 *    generating gamma variables", ACM TOMS 26:363-372, section 2): for
 *    a >= 1, with d = a - 1/3 and c = 1/sqrt(9 d), draw x ~ N(0, 1) (by
 *    our ziggurat, section 3 below) and
 *    v = (1 + c x)^3 until v > 0 and U < 1 - 0.0331 x^4 (the squeeze) or
 *    log U < x^2/2 + d - d v + d log v; return d v.
 *
 *    log Gamma(a) draws for any shape a > 0.  A stick-breaking weight
 *    V ~ Beta(1, alpha) with a small alpha, or a Gamma(alpha) part of it,
 *    underflows to exactly 0 or 1 on the linear scale, and the log of
 *    1 - V then becomes -Inf.  For a < 1 we use the identity
 *        if X ~ Gamma(a + 1) and U ~ Uniform(0, 1) independently,
 *        then X U^(1/a) ~ Gamma(a)
 *    (Robert & Casella 2004, Monte Carlo Statistical Methods, 2nd ed.,
 *    p. 45, exercise 2.19; also Marsaglia & Tsang 2000, ACM TOMS 26:363,
 *    section 6) and return log X + log(U) / a, which never underflows.
 *
 *    Beta(1, b) draws on the log scale, any b > 0, by inversion of the
 *    distribution function F(v) = 1 - (1 - v)^b (Devroye 1986, section
 *    IX.4.4, the "Beta(1, b)" case of the power family): 1 - V = U^(1/b),
 *    so log(1 - V) = log(U) / b and log V = log(-expm1(log(U) / b)); one
 *    uniform where two gamma draws were taken, and exact on the log
 *    scale however small b (alpha) or large (a class of thousands).
 *    A list that saw no one of an occupied class, a stick-breaking
 *    weight of an empty class: Beta(1 + 0, ...) is the common case.
 *
 * 2. Binomial(n, p) draws, exact, for n up to 2^53 (the class allocation
 *    of a sweep draws some 60 of them).  With p' = min(p, 1 - p) (drawing
 *    n - X for p > 1/2): when n p' < 10, inversion by sequential search
 *    from 0 with the ratio f(k)/f(k-1) = ((n + 1) r / k - r), r = p'/(1 -
 *    p') (Devroye 1986, Non-Uniform Random Variate Generation, section
 *    X.4.3, "inversion"); expected cost n p' + 1 steps and one uniform.
 *    Otherwise BTRD, the transformed rejection method with decomposition of
 *    Hormann (1993, "The generation of binomial random variates", Journal
 *    of Statistical Computation and Simulation 46:101-110, algorithm BTRD,
 *    valid for n p' >= 10), whose constants (a, b, c, alpha, v_r) and steps
 *    1-3.4 are named as in the paper below.
 *
 * Scalar exp and log here (and in the draws of lcm.c) are libm's:
 * table-driven, they take a third to a half of the latency of vci_exp and
 * vci_log of core/fastmath.h (exp 10 ns, log 14 ns, both vci_ 28 ns on
 * the development VM, a chain of dependent calls), which are meant for
 * vectorised loops (step (b) of lcm.c logs its lambdas in one).
 *
 * 3. Standard normal draws by the ziggurat of Marsaglia & Tsang (2000,
 *    "The ziggurat method for generating random variables", Journal of
 *    Statistical Software 5(8)), 128 layers, the fast path inline in
 *    mcmc_impl.h (vci_ran_normal).  The half-density f(x) = exp(-x^2/2)
 *    is covered by a base strip (the rectangle [0, r] x [0, f(r)] and
 *    the tail beyond r) and 127 rectangles [0, x_i] x [f(x_i),
 *    f(x_{i+1})], i = 1..127, all of area v: x_1 = r, x_{i+1} =
 *    f^-1(f(x_i) + v / x_i), and r is the root that puts x_128 at 0, so
 *    that the top rectangle reaches f(0) = 1 (r = 3.44261985589665, v =
 *    0.00991256303533646).  The base strip is treated as a rectangle of
 *    width x_0 = v / f(r).  A try picks a layer i uniformly and x
 *    uniform on [0, x_i): below x_{i+1} the point is under the curve at
 *    any height of the layer (accepted at once, inline); otherwise, in
 *    layer i >= 1, y uniform on [f(x_i), f(x_{i+1})] is accepted when
 *    y < f(x) (the wedge), in the base strip x >= r is replaced by a
 *    draw from the tail, x > r, by Marsaglia's (1964, "Generating a
 *    variable from the tail of the normal distribution", Technometrics
 *    6:101-102) method: x = -log(U1) / r, y = -log(U2) until 2 y > x^2,
 *    then r + x.  A rejected try starts again from a new word.  The
 *    tables below were computed in 50-digit arithmetic (mpmath; k_i =
 *    floor(2^24 x_{i+1} / x_i), w_i = x_i 2^-24, f_i = f(x_i)) and are
 *    written as hexadecimal doubles, so no platform's exp or log enters
 *    them.  The test "normal draws (ziggurat)" checks them (equal areas,
 *    the top at 0) and the draws (moments, a chi-square on 200 cells and
 *    one of the tail).
 *
 * 4. Poisson draws whose mean may exceed the range of gsl_ran_poisson's
 *    unsigned int result.  The number of people no list saw has no upper
 *    bound under p(N) ~ 1/N, so a chain can visit n0 > 2^32.  For means
 *    below VCI_POISSON_PTRS_MIN we use inversion by sequential search
 *    (Devroye 1986, section X.3.3; one uniform, mean + 1 steps); above, the
 *    transformed rejection method PTRS of Hormann (1993, "The transformed
 *    rejection method for generating Poisson random variables", Insurance:
 *    Mathematics and Economics 12:39-45, algorithm PTRS, valid for mean
 *    >= 10), which is also some ten times faster than GSL's method at the
 *    means of a sweep (hundreds to thousands).  Its acceptance test needs
 *    log p(k) = -mu + k log mu - log k!, whose three terms are each ~ 1e12
 *    for large means and cancel; for k >= 16 we evaluate it instead as
 *        log p(k) = -bd0(k, mu) - log(2 pi k) / 2 - stirlerr(k)
 *    with bd0(k, mu) = k log(k / mu) + mu - k computed by the series of
 *    Loader (2000, "Fast and accurate computation of binomial
 *    probabilities", technical note, section 2) when k is near mu, and
 *    stirlerr(k) = log k! - [(k + 1/2) log k - k + log(2 pi) / 2] by
 *    Stirling's series.
 */
#include <math.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>

#include "models/mcmc_impl.h"

/* Section 3: the ziggurat's tables (Marsaglia & Tsang 2000), 128 layers:
 * k_i = floor(2^24 x_{i+1} / x_i), w_i = x_i 2^-24, f_i = exp(-x_i^2 / 2)
 * (f_0 unused, f_128 = 1); x_0 = v / f(r) is the width of the base strip,
 * x_1 = r, x_128 = 0. */
#define VCI_ZIG_R 0x1.b8a7c476d1741p+1 /* 3.4426198558966521 */
const uint32_t vci_zig_k[128] = {
    15555140u, 15707337u, 16049218u, 16208407u, 16302110u, 16364393u,
    16409025u, 16442689u, 16469044u, 16490264u, 16507732u, 16522367u,
    16534808u, 16545510u, 16554811u, 16562964u, 16570162u, 16576558u,
    16582272u, 16587401u, 16592024u, 16596205u, 16599998u, 16603448u,
    16606592u, 16609464u, 16612090u, 16614493u, 16616695u, 16618713u,
    16620562u, 16622256u, 16623807u, 16625225u, 16626519u, 16627697u,
    16628767u, 16629736u, 16630608u, 16631389u, 16632084u, 16632697u,
    16633230u, 16633688u, 16634074u, 16634389u, 16634636u, 16634816u,
    16634933u, 16634986u, 16634978u, 16634909u, 16634780u, 16634592u,
    16634345u, 16634040u, 16633676u, 16633253u, 16632772u, 16632232u,
    16631633u, 16630973u, 16630252u, 16629469u, 16628623u, 16627712u,
    16626734u, 16625689u, 16624574u, 16623386u, 16622124u, 16620785u,
    16619366u, 16617864u, 16616275u, 16614596u, 16612821u, 16610948u,
    16608971u, 16606884u, 16604681u, 16602357u, 16599904u, 16597313u,
    16594578u, 16591687u, 16588632u, 16585400u, 16581979u, 16578356u,
    16574514u, 16570436u, 16566103u, 16561495u, 16556586u, 16551350u,
    16545757u, 16539771u, 16533355u, 16526461u, 16519041u, 16511033u,
    16502371u, 16492973u, 16482746u, 16471580u, 16459345u, 16445882u,
    16431004u, 16414481u, 16396028u, 16375293u, 16351833u, 16325080u,
    16294297u, 16258510u, 16216401u, 16166149u, 16105157u, 16029596u,
    15933579u, 15807563u, 15635011u, 15384586u, 14988941u, 14272655u,
    12590646u, 0u,
};
const double vci_zig_w[128] = {
    0x1.db4668fe7d167p-23, 0x1.b8a7c476d1741p-23, 0x1.9c8e0c7c7f35ep-23,
    0x1.8aa73e440e862p-23, 0x1.7d45eb36e9ff4p-23, 0x1.7279dd4ac2679p-23,
    0x1.695c2be68d3e4p-23, 0x1.616dff7c8dab3p-23, 0x1.5a61edf7e73f4p-23,
    0x1.540520129e8c8p-23, 0x1.4e3456b0e1da8p-23, 0x1.48d61806d430cp-23,
    0x1.43d75b60bac8dp-23, 0x1.3f29848d395fep-23, 0x1.3ac11b8e1e839p-23,
    0x1.3694f3a3721bap-23, 0x1.329d9725e1358p-23, 0x1.2ed4df8097554p-23,
    0x1.2b35aa5ebcda5p-23, 0x1.27bba2b5d9b7dp-23, 0x1.246317a6b3231p-23,
    0x1.2128dd36bbd01p-23, 0x1.1e0a342cee675p-23, 0x1.1b04b731f48d4p-23,
    0x1.18164be0bf8c9p-23, 0x1.153d16d455057p-23, 0x1.1277720181096p-23,
    0x1.0fc3e4d95cda5p-23, 0x1.0d211dd288ac4p-23, 0x1.0a8ded0ec1159p-23,
    0x1.08093fe3e1aa9p-23, 0x1.05921d1c4b0b9p-23, 0x1.0327a1cc4a836p-23,
    0x1.00c8fea16f933p-23, 0x1.fceaeb2ca0ee2p-24, 0x1.f858aff317ac8p-24,
    0x1.f3da09745b605p-24, 0x1.ef6dcddc7807dp-24, 0x1.eb12e914817afp-24,
    0x1.e6c85a8495b0dp-24, 0x1.e28d331c61c36p-24, 0x1.de609397db2b3p-24,
    0x1.da41aaf794b3cp-24, 0x1.d62fb5257b279p-24, 0x1.d229f9bfe95c7p-24,
    0x1.ce2fcb05f3115p-24, 0x1.ca4084e08c207p-24, 0x1.c65b8c04d5d84p-24,
    0x1.c2804d2c6531dp-24, 0x1.beae3c60c7179p-24, 0x1.bae4d457e8092p-24,
    0x1.b72395df55593p-24, 0x1.b36a075492a98p-24, 0x1.afb7b428f83acp-24,
    0x1.ac0c2c6fbfe60p-24, 0x1.a8670475107fbp-24, 0x1.a4c7d45cfb2a5p-24,
    0x1.a12e37c97caa0p-24, 0x1.9d99cd86aeea8p-24, 0x1.9a0a373c6d3ccp-24,
    0x1.967f1924c0e62p-24, 0x1.92f819c67bdfdp-24, 0x1.8f74e1b375764p-24,
    0x1.8bf51b49e8281p-24, 0x1.8878727879e86p-24, 0x1.84fe948480027p-24,
    0x1.81872fd216669p-24, 0x1.7e11f3ada7506p-24, 0x1.7a9e9016840d7p-24,
    0x1.772cb58a3242ap-24, 0x1.73bc14d01277fp-24, 0x1.704c5ec504e8fp-24,
    0x1.6cdd4426b0a02p-24, 0x1.696e755e0eb23p-24, 0x1.65ffa248d7f43p-24,
    0x1.62907a016eac0p-24, 0x1.5f20aaa4d7638p-24, 0x1.5bafe1164c044p-24,
    0x1.583dc8bfea848p-24, 0x1.54ca0b4ff476ap-24, 0x1.5154507206658p-24,
    0x1.4ddc3d839cb58p-24, 0x1.4a6175432745fp-24, 0x1.46e39778d4ba1p-24,
    0x1.4362409821672p-24, 0x1.3fdd0959138fbp-24, 0x1.3c538647e5b53p-24,
    0x1.38c54749af146p-24, 0x1.3531d71460289p-24, 0x1.3198ba9823477p-24,
    0x1.2df97057dd75fp-24, 0x1.2a536fae26375p-24, 0x1.26a627fb9231dp-24,
    0x1.22f0ffba96ce9p-24, 0x1.1f33537495bfap-24, 0x1.1b6c7492bde7ap-24,
    0x1.179ba80458345p-24, 0x1.13c024b2bbdffp-24, 0x1.0fd911b972d18p-24,
    0x1.0be58456f2afcp-24, 0x1.07e47d879726ep-24, 0x1.03d4e7390f210p-24,
    0x1.ff6b21ffe30ecp-25, 0x1.f70a5866ad189p-25, 0x1.ee848e954b85cp-25,
    0x1.e5d6909f34423p-25, 0x1.dcfccc51a7480p-25, 0x1.d3f340dd86c6bp-25,
    0x1.cab56ac6833a5p-25, 0x1.c13e2b012d149p-25, 0x1.b787a7c4f44a4p-25,
    0x1.ad8b25067d385p-25, 0x1.a340d1bad0391p-25, 0x1.989f85c72c985p-25,
    0x1.8d9c6a9d0cf67p-25, 0x1.822a858ac5ecap-25, 0x1.763a1600c1764p-25,
    0x1.69b7b213c3f64p-25, 0x1.5c8afdbecef6ep-25, 0x1.4e94c08bd4d78p-25,
    0x1.3fabee18d682fp-25, 0x1.2f98d6bb0e73ap-25, 0x1.1e0ce6b54ec53p-25,
    0x1.0a936da5942d2p-25, 0x1.e8e576e3830fap-26, 0x1.b4c8fecd63b02p-26,
    0x1.73949183add9dp-26, 0x1.16db47dfb32bdp-26,
};
const double vci_zig_f[129] = {
    0x0.0p+0, 0x1.5de9e33733182p-9, 0x1.6ba8b0ffc2db8p-8,
    0x1.1a9b6b3fcb829p-7, 0x1.83f4bed1a0f0bp-7, 0x1.f100847656bf0p-7,
    0x1.309cee4e1477cp-6, 0x1.6a23fa9d6c22fp-6, 0x1.a4f57a25e8f32p-6,
    0x1.e0f951d58f849p-6, 0x1.0f0e539c938c0p-5, 0x1.2e282b7255da2p-5,
    0x1.4dc3fcbda5a08p-5, 0x1.6ddc9dd20b8c5p-5, 0x1.8e6db483cac0fp-5,
    0x1.af738c17b4ea1p-5, 0x1.d0eaf633a6b8ap-5, 0x1.f2d13368cf93fp-5,
    0x1.0a91f0918dae5p-4, 0x1.1bf075c21538ap-4, 0x1.2d834113457cbp-4,
    0x1.3f49878976d30p-4, 0x1.514297b246583p-4, 0x1.636dd69e998c6p-4,
    0x1.75cabd60f402ap-4, 0x1.8858d6f55ed84p-4, 0x1.9b17be7e73957p-4,
    0x1.ae071dc7bf93dp-4, 0x1.c126ac0128a82p-4, 0x1.d4762ca995a18p-4,
    0x1.e7f56ea118c48p-4, 0x1.fba44b5c61816p-4, 0x1.07c1531a357f8p-3,
    0x1.11c835e726135p-3, 0x1.1be6c8cbe5a43p-3, 0x1.261d0aaaf7624p-3,
    0x1.306afe619efedp-3, 0x1.3ad0aa9de455dp-3, 0x1.454e19baadb54p-3,
    0x1.4fe359a145658p-3, 0x1.5a907bafba9e3p-3, 0x1.655594a3a5050p-3,
    0x1.7032bc88e51fap-3, 0x1.7b280eac0c6f7p-3, 0x1.8635a99025d7bp-3,
    0x1.915baee7a2dddp-3, 0x1.9c9a43903cae2p-3, 0x1.a7f18f91a0d6ap-3,
    0x1.b361be1ec9a67p-3, 0x1.beeafd99e93b6p-3, 0x1.ca8d7f9ad4b43p-3,
    0x1.d64978f7e2d92p-3, 0x1.e21f21d136fa3p-3, 0x1.ee0eb59e75db3p-3,
    0x1.fa18733ee75d5p-3, 0x1.031e4e8606256p-2, 0x1.093dbc775a1f7p-2,
    0x1.0f6aa83b52201p-2, 0x1.15a5387a71a06p-2, 0x1.1bed95cc633cbp-2,
    0x1.2243eac7ee400p-2, 0x1.28a864146d917p-2, 0x1.2f1b307cdcc47p-2,
    0x1.359c810492f8ep-2, 0x1.3c2c88fdc65e7p-2, 0x1.42cb7e21f69bfp-2,
    0x1.497998ac6017ap-2, 0x1.503713769e39cp-2, 0x1.57042c17a74d2p-2,
    0x1.5de1230551a9bp-2, 0x1.64ce3bb89770ep-2, 0x1.6bcbbcd4d4694p-2,
    0x1.72d9f052408ddp-2, 0x1.79f923abf1d11p-2, 0x1.8129a811b882ep-2,
    0x1.886bd29e33e65p-2, 0x1.8fbffc918800bp-2, 0x1.972683912ac18p-2,
    0x1.9e9fc9ed4d931p-2, 0x1.a62c36ec797eap-2, 0x1.adcc371e07b84p-2,
    0x1.b5803cb437071p-2, 0x1.bd48bfe6b8a90p-2, 0x1.c5263f5ead9fcp-2,
    0x1.cd1940ad30932p-2, 0x1.d52250cdb191ep-2, 0x1.dd4204b59916bp-2,
    0x1.e578f9f2e03a3p-2, 0x1.edc7d75b8e9bep-2, 0x1.f62f4dd05d60fp-2,
    0x1.feb019151c56ep-2, 0x1.03a58060f304ap-1, 0x1.08006ca85ac6ap-1,
    0x1.0c6942a5c900fp-1, 0x1.10e07b50236c1p-1, 0x1.1566980fc6949p-1,
    0x1.19fc2397562a2p-1, 0x1.1ea1b2d9fe534p-1, 0x1.2357e62437dc2p-1,
    0x1.281f6a5d33891p-1, 0x1.2cf8fa7868c02p-1, 0x1.31e5612075dadp-1,
    0x1.36e57aa6a89b9p-1, 0x1.3bfa3745495cdp-1, 0x1.41249dc6579c8p-1,
    0x1.4665cea512cc7p-1, 0x1.4bbf07c6d4684p-1, 0x1.5131a8eff8ed9p-1,
    0x1.56bf3924ad864p-1, 0x1.5c696d34a27fdp-1, 0x1.62322fc5a83b3p-1,
    0x1.681bab4ed2ff3p-1, 0x1.6e2856a01cb2ap-1, 0x1.745b04d03ea40p-1,
    0x1.7ab6f9c66e43bp-1, 0x1.81400521b52b5p-1, 0x1.87faa61a8cfa0p-1,
    0x1.8eec3c5bda1f6p-1, 0x1.961b4c1b19f30p-1, 0x1.9d8fdfaee4af6p-1,
    0x1.a55418112ba08p-1, 0x1.ad750b7275dd0p-1, 0x1.b6042cf926211p-1,
    0x1.bf19b6813348bp-1, 0x1.c8d923fa0897bp-1, 0x1.d37a74ffe486ap-1,
    0x1.df6071937f4c9p-1, 0x1.ed5cf061144dep-1, 0x1.0000000000000p+0,
};


double vci_ran_normal_rest(const gsl_rng *r, uint32_t word)
{
    for (;;) {
        uint32_t i = word & (VCI_ZIG_LAYERS - 1), j = word >> 8;
        double x = (double)j * vci_zig_w[i];
        if (j < vci_zig_k[i]) {
            return word & 0x80u ? x : -x;
        }
        if (i == 0 && x < VCI_ZIG_R) {
            /* j = k_0 itself (k_0 is rounded down): still under f(r) */
            return word & 0x80u ? x : -x;
        }
        if (i == 0) {
            /* the base strip beyond r: the tail (Marsaglia 1964) */
            double t, y;
            do {
                t = -log(vci_ran_uniform(r)) / VCI_ZIG_R;
                y = -log(vci_ran_uniform(r));
            } while (y + y <= t * t);
            x = VCI_ZIG_R + t;
            return word & 0x80u ? x : -x;
        }
        /* the wedge of layer i: y uniform between f(x_i) and f(x_{i+1}) */
        double y = vci_zig_f[i]
                   + vci_ran_uniform(r) * (vci_zig_f[i + 1] - vci_zig_f[i]);
        if (y < exp(-0.5 * x * x)) {
            return word & 0x80u ? x : -x;
        }
        word = vci_ran_word32(r);
    }
}

double vci_ran_gamma(const gsl_rng *r, double a)
{
    if (a < 1.0) {
        /* Robert & Casella (2004), p. 45; may underflow to 0 for tiny a,
         * which is why the sampler uses vci_ran_log_gamma there. */
        return vci_ran_gamma(r, a + 1.0)
               * pow(vci_ran_uniform(r), 1.0 / a);
    }
    /* Marsaglia & Tsang (2000), section 2. */
    double d = a - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = vci_ran_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = vci_ran_uniform(r);
        double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2) {
            return d * v;
        }
        /* the rare full test: libm's log, which also covers subnormal v */
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) {
            return d * v;
        }
    }
}

double vci_ran_log_gamma(const gsl_rng *r, double a)
{
    if (a >= 1.0) {
        return log(vci_ran_gamma(r, a));
    }
    /* Robert & Casella (2004), p. 45: Gamma(a) = Gamma(a + 1) U^(1/a). */
    double x = vci_ran_gamma(r, a + 1.0);
    double u = vci_ran_uniform(r);
    return log(x) + log(u) / a;
}

void vci_ran_log_beta1(const gsl_rng *r, double b, double *log_v,
                       double *log_1m_v)
{
    /* Devroye (1986), IX.4.4: 1 - V = U^(1/b).  log U is in [-22.2,
     * -1.2e-10] for a 32-bit uniform, so t < 0 and -expm1(t) > 0 */
    double t = log(vci_ran_uniform(r)) / b;
    *log_1m_v = t;
    *log_v = log(-expm1(t));
}

/* Hormann (1993): f_c(k) = log k! - [(k + 1/2) log(k + 1) - (k + 1) +
 * log(2 pi) / 2], the correction term of Stirling's formula; by lgamma
 * for k < 10, else by the series the paper gives. */
static double binom_fc(double k)
{
    if (k < 10.0) {
        return lgamma(k + 1.0) - (k + 0.5) * log(k + 1.0) + (k + 1.0)
               - 0.5 * log(2.0 * M_PI);
    }
    double k1 = k + 1.0;
    double k1sq = k1 * k1;
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * k1sq)) / k1sq) / k1;
}

/* 1/x for x < RECIP_MAX, exact to rounding (constant expressions). */
static const double recip[] = {
    0.0, 1.0 / 1, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5,
    1.0 / 6, 1.0 / 7, 1.0 / 8, 1.0 / 9, 1.0 / 10, 1.0 / 11,
    1.0 / 12, 1.0 / 13, 1.0 / 14, 1.0 / 15, 1.0 / 16, 1.0 / 17,
    1.0 / 18, 1.0 / 19, 1.0 / 20, 1.0 / 21, 1.0 / 22, 1.0 / 23,
    1.0 / 24, 1.0 / 25, 1.0 / 26, 1.0 / 27, 1.0 / 28, 1.0 / 29,
    1.0 / 30, 1.0 / 31};
#define RECIP_MAX 32.0

/* Binomial(n, p) for p <= 1/2, n p < 10, by inversion (sequential search
 * from 0).  A u left over by rounding beyond the total mass restarts.
 *
 * A squeeze for the outcome 0, which needs f0 = q^n only when it fails:
 * the search returns 0 exactly when u <= f0 (f0 as computed below), and
 * the computed f0 >= 1 - n p - n 2^-52 (below), so u <= L with L that
 * bound, less a margin for its own roundings, returns 0 with the same
 * uniform and the same result, without the chain of squarings.  Of the
 * draws of a Kosovo sweep, n p < 0.1 in one in eight (the classes that
 * hold almost no one).  The bound: q = fl(1 - p) >= (1 - p)(1 - 2^-53);
 * each product rounds down by at most a factor 1 - 2^-53, and f0 is q^n
 * through at most n such factors (sq_i = q^(2^i) through 2^i - 1 of
 * them), so f0 >= (1 - p)^n (1 - 2^-53)^(2n) >= (1 - n p)(1 - n 2^-52)
 * (Bernoulli's inequality) >= 1 - n p - n 2^-52.  L = 1 - (n p (1 +
 * 2^-50) + n 2^-50) in floating point stays below that: its slack n (2^-50
 * - 2^-52) = 6 n 2^-53 exceeds the roundings of L, at most (n p + 1 +
 * n 2^-50) 2^-53, since n p <= n / 2 and n < 2^53. */
static uint64_t binom_inversion(const gsl_rng *r, double n, double p)
{
    double u = vci_ran_uniform(r);
    if (u <= 1.0 - (n * p * (1.0 + 0x1p-50) + n * 0x1p-50)) {
        return 0;
    }
    double q = 1.0 - p;
    double s = p / q;
    double a = (n + 1.0) * s;
    /* q >= 1/2 is within 2^-52 relative of 1 - p, so f0 = q^n is accurate
     * to n 2^-52 relative: far below what any draw can resolve.  By
     * repeated squaring (Knuth, TAOCP vol. 2, section 4.6.3, algorithm A):
     * a few dependent multiplications instead of a log and an exp.  n p <
     * 10 and p <= 1/2 keep q^n >= exp(-n p / q) > e^-20, so it cannot
     * underflow. */
    double f0 = 1.0;
    double sq = q;
    for (uint64_t e = (uint64_t)n; e > 0; e >>= 1) {
        /* a select, not a branch on the bits of n (mispredicted) */
        const double pick[2] = {1.0, sq};
        f0 *= pick[e & 1u];
        sq *= sq;
    }
    for (;;) {
        double f = f0;
        double x = 0.0;
        while (u > f) {
            u -= f;
            x += 1.0;
            if (x > n) {
                break;
            }
            /* a reciprocal from the table spares a division (a chain of
             * them is most of the cost) for the usual short searches */
            f *= (x < RECIP_MAX ? a * recip[(size_t)x] : a / x) - s;
        }
        if (x <= n) {
            return (uint64_t)x;
        }
        u = vci_ran_uniform(r);
    }
}

/* Binomial(n, p) for p <= 1/2, n p >= 10: Hormann (1993), BTRD. */
static uint64_t binom_btrd(const gsl_rng *r, double n, double p)
{
    /* setup (step 0) */
    double q = 1.0 - p;
    double npq = n * p * q;
    double spq = sqrt(npq);
    double b = 1.15 + 2.53 * spq;
    double inv_b = 1.0 / b;
    double a = -0.0873 + 0.0248 * b + 0.01 * p;
    double c = n * p + 0.5;
    double v_r = 0.92 - 4.2 * inv_b;
    double inv_v_r = 1.0 / v_r;
    double u_rv_r = 0.86 * v_r;
    for (;;) {
        /* step 1: the central region, accepted at once */
        double v = vci_ran_uniform(r);
        double u;
        if (v <= u_rv_r) {
            u = v * inv_v_r - 0.43;
            return (uint64_t)floor((2.0 * a / (0.5 - fabs(u)) + b) * u + c);
        }
        /* step 2: a point (u, v) under the hat */
        if (v >= v_r) {
            u = vci_ran_uniform(r) - 0.5;
        } else {
            u = v * inv_v_r - 0.93;
            u = (u < 0.0 ? -0.5 : 0.5) - u;
            v = vci_ran_uniform(r) * v_r;
        }
        /* step 3.0 (the constants needed from here on are set up only
         * now: most draws end in step 1) */
        double m = floor((n + 1.0) * p);
        double rr = p / q;
        double nr = (n + 1.0) * rr;
        double alpha = (2.83 + 5.1 * inv_b) * spq;
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + c);
        if (k < 0.0 || k > n) {
            continue;
        }
        v = v * alpha / (a / (us * us) + b);
        double km = fabs(k - m);
        if (km <= 15.0) {
            /* step 3.1: f(k)/f(m) by the recursion of the pmf, f(i) /
             * f(i - 1) = nr / i - rr = (nr - rr i) / i, as a ratio of two
             * products compared without a division (a division a factor
             * made this loop the slowest part of the sampler); at most 15
             * factors below 2^53 each cannot overflow */
            double num = 1.0, den = 1.0;
            if (m < k) {
                for (double i = m + 1.0; i <= k; i += 1.0) {
                    num *= nr - rr * i;
                    den *= i;
                }
                /* accept if v <= num / den */
                if (v * den <= num) {
                    return (uint64_t)k;
                }
            } else {
                for (double i = k + 1.0; i <= m; i += 1.0) {
                    num *= nr - rr * i;
                    den *= i;
                }
                /* accept if v num / den <= 1 (num = den = 1 when k = m) */
                if (v * num <= den) {
                    return (uint64_t)k;
                }
            }
            continue;
        }
        /* step 3.2: squeeze on the log scale */
        v = log(v);
        double rho =
            (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5);
        double t = -km * km / (2.0 * npq);
        if (v < t - rho) {
            return (uint64_t)k;
        }
        if (v > t + rho) {
            continue;
        }
        /* steps 3.3-3.4: the exact log ratio f(k)/f(m) */
        double nm = n - m + 1.0;
        double h = (m + 0.5) * log((m + 1.0) / (rr * nm)) + binom_fc(m)
                   + binom_fc(n - m);
        double nk = n - k + 1.0;
        if (v <= h + (n + 1.0) * log(nm / nk)
                     + (k + 0.5) * log(nk * rr / (k + 1.0)) - binom_fc(k)
                     - binom_fc(n - k)) {
            return (uint64_t)k;
        }
    }
}

uint64_t vci_ran_binomial(const gsl_rng *r, double p, uint64_t n)
{
    if (n == 0 || !(p > 0.0)) {
        return 0;
    }
    if (p >= 1.0) {
        return n;
    }
    int flip = p > 0.5;
    double pp = flip ? 1.0 - p : p;
    double nd = (double)n;
    uint64_t x = nd * pp < 10.0 ? binom_inversion(r, nd, pp)
                                : binom_btrd(r, nd, pp);
    return flip ? n - x : x;
}

/* Loader (2000), section 2: bd0(x, np) = x log(x / np) + np - x, without
 * cancellation when x is close to np. */
static double bd0(double x, double np)
{
    if (fabs(x - np) < 0.1 * (x + np)) {
        double v = (x - np) / (x + np);
        double s = (x - np) * v;
        double ej = 2.0 * x * v;
        double v2 = v * v;
        for (int j = 1; j < 1000; j++) {
            ej *= v2;
            double s1 = s + ej / (2 * j + 1);
            if (s1 == s) {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    return x * log(x / np) + np - x;
}

/* log k! minus Stirling's approximation, for k >= 16 (the caller handles
 * smaller k): Stirling's series to the k^-5 term, whose error is below
 * 1/(1680 k^7) < 1e-11. */
static double stirlerr(double k)
{
    double k2 = k * k;
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * k2)) / k2) / k;
}

/* log of the Poisson(mu) probability of k >= 0, stable for large mu. */
static double log_poisson_pmf(double k, double mu)
{
    if (k < 16.0) {
        /* small terms: no cancellation to fear */
        return -mu + k * log(mu) - lgamma(k + 1.0);
    }
    return -bd0(k, mu) - 0.5 * log(2.0 * M_PI * k) - stirlerr(k);
}

int vci_ran_poisson64(const gsl_rng *r, double mu, uint64_t *k)
{
    if (!(mu >= 0.0) || !(mu <= VCI_POISSON_MAX)) {
        return VC_ENUMERIC;
    }
    if (mu < VCI_POISSON_PTRS_MIN) {
        /* inversion by sequential search; a u left over by rounding beyond
         * the total mass restarts (exact up to rounding) */
        double f0 = exp(-mu);
        for (;;) {
            double u = vci_ran_uniform(r);
            double f = f0;
            uint64_t x = 0;
            /* 1000 steps: beyond them the Poisson(mu < 10) mass is below
             * 1e-1000 and f has underflowed, so the loop must stop */
            while (u > f && x < 1000) {
                u -= f;
                x++;
                f *= mu / (double)x;
            }
            if (u <= f) {
                *k = x;
                return VC_OK;
            }
        }
    }
    /* Hormann (1993), algorithm PTRS. */
    double smu = sqrt(mu);
    double b = 0.931 + 2.53 * smu;
    double a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = vci_ran_uniform(r) - 0.5;
        double v = vci_ran_uniform(r);
        double us = 0.5 - fabs(u);
        double kd = floor((2.0 * a / us + b) * u + mu + 0.43);
        if (us >= 0.07 && v <= vr) {
            *k = (uint64_t)kd;
            return VC_OK;
        }
        if (kd < 0.0 || (us < 0.013 && v > us)) {
            continue;
        }
        double lhs = log(v) + log(inv_alpha) - log(a / (us * us) + b);
        if (lhs <= log_poisson_pmf(kd, mu)) {
            *k = (uint64_t)kd;
            return VC_OK;
        }
    }
}
