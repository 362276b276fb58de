// The mission example's backprop hand-written in C++ (two-layer ReLU MSE, float64) at the four sizes
// n x d x h of tests/DiffGen.Benchmarks/ScaleBenchmarks.cs: per sample, forward and backward fused,
// pre-activations in a buffer, dead ReLU units skipped, one thread. The native baseline DiffGen is
// compared with. Not built by CI.
//
//     g++ -O3 -march=native -ffast-math -o /tmp/two_layer_backprop tools/two_layer_backprop.cpp && /tmp/two_layer_backprop
//     /tmp/two_layer_backprop 256x32x64     (one size; by default all four)
//
// -ffast-math lets g++ vectorize the dot products' sums (it may then reassociate them); without it the
// sums stay scalar. The sizes are template arguments, compile-time constants, as they were when this
// file timed the one size: g++ may unroll and specialize each size's loops, which the C# cannot.
// Prints the median and the minimum over timed samples, in milliseconds per value+gradient.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

template <int N, int D, int H>
static double value_and_gradient(const double* x, const double* y, const double* w1, const double* b1,
                                 const double* w2, double b2, double* dw1, double* db1, double* dw2,
                                 double& db2, double* z) {
    std::fill(dw1, dw1 + (long)H * D, 0.0);
    std::fill(db1, db1 + H, 0.0);
    std::fill(dw2, dw2 + H, 0.0);
    db2 = 0;
    double total = 0;
    for (int i = 0; i < N; i++) {
        const double* xi = x + (long)i * D;
        double output = b2;
        for (int j = 0; j < H; j++) {
            const double* wj = w1 + (long)j * D;
            double zj = b1[j];
            for (int k = 0; k < D; k++) zj += xi[k] * wj[k];
            z[j] = zj;
            if (zj > 0) output += zj * w2[j];
        }
        double diff = y[i] - output;
        total += diff * diff;
        double dOutput = -2 * diff / N;
        db2 += dOutput;
        for (int j = 0; j < H; j++) {
            double zj = z[j];
            if (zj <= 0) continue;
            dw2[j] += dOutput * zj;
            double dz = dOutput * w2[j];
            db1[j] += dz;
            double* dwj = dw1 + (long)j * D;
            for (int k = 0; k < D; k++) dwj[k] += dz * xi[k];
        }
    }
    return total / N;
}

template <int N, int D, int H>
static void run(const char* name) {
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    auto fill = [&](std::vector<double>& a, double scale) { for (auto& v : a) v = uniform(random) * scale; };
    std::vector<double> x((long)N * D), y(N), w1((long)H * D), b1(H), w2(H), dw1((long)H * D), db1(H), dw2(H), z(H);
    fill(x, 1); fill(y, 1); fill(w1, std::sqrt(2.0 / D)); fill(b1, 0.1); fill(w2, std::sqrt(2.0 / H));
    double db2 = 0, sink = 0;
    auto call = [&] {
        sink += value_and_gradient<N, D, H>(x.data(), y.data(), w1.data(), b1.data(), w2.data(), 0.05,
                                            dw1.data(), db1.data(), dw2.data(), db2, z.data());
    };
    using clock = std::chrono::steady_clock;
    auto seconds = [](clock::duration t) { return std::chrono::duration<double>(t).count(); };

    // Warm up for a second (at least 3 calls), then samples of at least ~50 ms each, about 10 s in all.
    auto start = clock::now();
    int warmups = 0;
    while (warmups < 3 || (seconds(clock::now() - start) < 1.0 && warmups < 500)) { call(); warmups++; }
    double once = seconds(clock::now() - start) / warmups;
    int repeats = std::max(1, (int)std::lround(0.05 / once));
    int count = (int)std::min(40.0, std::max(5.0, 10.0 / (repeats * once)));
    std::vector<double> samples;
    for (int s = 0; s < count; s++) {
        auto begin = clock::now();
        for (int r = 0; r < repeats; r++) call();
        samples.push_back(seconds(clock::now() - begin) / repeats * 1e3);
    }
    std::sort(samples.begin(), samples.end());
    std::printf("%15s  C++ hand-written backprop: median %9.3f ms, min %9.3f ms per value+gradient (%d samples of %d; checksum %.6f)\n",
                name, samples[samples.size() / 2], samples[0], count, repeats, sink);
    std::fflush(stdout);
}

int main(int argc, char** argv) {
    struct Size { const char* name; void (*run)(const char*); };
    const Size sizes[] = {
        {"256x32x64", run<256, 32, 64>},
        {"1024x256x256", run<1024, 256, 256>},
        {"512x784x128", run<512, 784, 128>},
        {"2048x1024x1024", run<2048, 1024, 1024>},
    };
    std::printf("g++ %s%s\n", __VERSION__,
#ifdef __FAST_MATH__
                ", -ffast-math"
#else
                ", no -ffast-math"
#endif
    );
    for (const auto& size : sizes) {
        bool wanted = argc < 2;
        for (int a = 1; a < argc; a++) wanted |= std::strcmp(argv[a], size.name) == 0;
        if (wanted) size.run(size.name);
    }
}
