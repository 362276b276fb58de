// The mission example's backprop hand-written in C++ (n=256, d=32, h=64, float64): per sample,
// forward and backward fused, pre-activations in a buffer, dead ReLU units skipped. The native
// baseline the performance issue compares DiffGen with. Not built by CI.
//
//     g++ -O3 -march=native -o /tmp/two_layer_backprop tools/two_layer_backprop.cpp && /tmp/two_layer_backprop
//
// Add -ffast-math to let g++ vectorize the dot product's sum (it may then reassociate it).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

constexpr int N = 256, D = 32, H = 64;

static double value_and_gradient(const double* x, const double* y, const double* w1, const double* b1,
                                 const double* w2, double b2, double* dw1, double* db1, double* dw2,
                                 double& db2, double* z) {
    std::fill(dw1, dw1 + H * D, 0.0);
    std::fill(db1, db1 + H, 0.0);
    std::fill(dw2, dw2 + H, 0.0);
    db2 = 0;
    double total = 0;
    for (int i = 0; i < N; i++) {
        const double* xi = x + i * D;
        double output = b2;
        for (int j = 0; j < H; j++) {
            const double* wj = w1 + j * D;
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
            double* dwj = dw1 + j * D;
            for (int k = 0; k < D; k++) dwj[k] += dz * xi[k];
        }
    }
    return total / N;
}

int main() {
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    auto fill = [&](std::vector<double>& a, double scale) { for (auto& v : a) v = uniform(random) * scale; };
    std::vector<double> x(N * D), y(N), w1(H * D), b1(H), w2(H), dw1(H * D), db1(H), dw2(H), z(H);
    fill(x, 1); fill(y, 1); fill(w1, std::sqrt(2.0 / D)); fill(b1, 0.1); fill(w2, std::sqrt(2.0 / H));
    double db2 = 0, sink = 0;
    for (int r = 0; r < 500; r++)
        sink += value_and_gradient(x.data(), y.data(), w1.data(), b1.data(), w2.data(), 0.05, dw1.data(), db1.data(), dw2.data(), db2, z.data());
    std::vector<double> batches;
    for (int b = 0; b < 40; b++) {
        auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < 200; r++)
            sink += value_and_gradient(x.data(), y.data(), w1.data(), b1.data(), w2.data(), 0.05, dw1.data(), db1.data(), dw2.data(), db2, z.data());
        batches.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / 200);
    }
    std::sort(batches.begin(), batches.end());
    std::printf("C++ hand-written backprop: median %.1f us, min %.1f us per value+gradient (checksum %.6f)\n",
                batches[batches.size() / 2], batches[0], sink);
}
