using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DiffGen;

// The matrix product generated gradients call for a layer's forward product and its weight gradient,
// built as BLIS/GotoBLAS build theirs: the operands are copied, one cache-sized block at a time, into
// packed micro-panels (B into k-major panels of a micro-tile's width, A into k-major panels of its
// height), and a register-blocked micro-kernel of fused multiply-adds runs over the panels. The copy
// reads any strides, so row-major, transposed and sub-block operands all reach the same inner loop at
// the same speed. Two departures, both for speed and neither changing a bit of the result: an operand
// already laid out as the panels want it is read in place when copying it would not pay (small
// products), and a C with contiguous rows is computed as Cᵀ += Bᵀ·Aᵀ. Vector512 where the hardware has
// it, else Vector256 with FMA, else scalar.
public static partial class Kernels
{
    /// <summary>
    /// C(i,j) += Σ_p A(i,p)·B(p,j) for i &lt; <paramref name="m"/>, j &lt; <paramref name="n"/>,
    /// p &lt; <paramref name="k"/>, where A(i,p) = a[i·aRowStride + p·aColumnStride],
    /// B(p,j) = b[p·bRowStride + j·bColumnStride] and C(i,j) = c[i·cRowStride + j·cColumnStride].
    /// </summary>
    /// <remarks>
    /// <para>
    /// Any strides of zero or more: a row-major matrix has column stride 1, a transposed view swaps the
    /// two strides, a block of a bigger matrix keeps the bigger matrix's row stride (slice the span to
    /// the block's first element), a stride of 0 repeats a row or column. C should not overlap A or B;
    /// it may overlap itself (the overlapping windows of a convolution's input, as a gradient): then every
    /// C(i,j) that lands on one element adds to it, in turn, as a loop over i and j would.
    /// When <paramref name="m"/>, <paramref name="n"/> or <paramref name="k"/> is 0, nothing is read or written.
    /// </para>
    /// <para>
    /// Deterministic: each C(i,j) gets its products fused-multiply-added from zero in increasing p,
    /// in blocks of p whose bounds depend only on <paramref name="k"/>, each block's sum then added to
    /// C(i,j) in turn. So the same inputs give the same bits on every call, every thread, and with every
    /// micro-kernel (AVX-512, AVX2, scalar with hardware FMA), whatever the strides or alignment. The sums round
    /// differently from a plain loop's, within a few ulps. Single-threaded; after a thread's first call
    /// at a size it allocates nothing (the packed panels live in a per-thread buffer, at most about
    /// 3.5 MiB for double), so it is safe to call from several threads at once.
    /// </para>
    /// </remarks>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B: the length of each sum.</param>
    /// <param name="a">A, from its first element.</param>
    /// <param name="aRowStride">Distance in <paramref name="a"/> from A(i,p) to A(i+1,p).</param>
    /// <param name="aColumnStride">Distance in <paramref name="a"/> from A(i,p) to A(i,p+1).</param>
    /// <param name="b">B, from its first element.</param>
    /// <param name="bRowStride">Distance in <paramref name="b"/> from B(p,j) to B(p+1,j).</param>
    /// <param name="bColumnStride">Distance in <paramref name="b"/> from B(p,j) to B(p,j+1).</param>
    /// <param name="c">C, from its first element; added to.</param>
    /// <param name="cRowStride">Distance in <paramref name="c"/> from C(i,j) to C(i+1,j).</param>
    /// <param name="cColumnStride">Distance in <paramref name="c"/> from C(i,j) to C(i,j+1).</param>
    /// <param name="strongZeros">
    /// When true, an A(i,p) that is exactly zero adds nothing even where B(p,j) is infinite or NaN (the
    /// convention of adjoints: no gradient flowing times an infinite value is no gradient). When false,
    /// IEEE arithmetic (0·∞ = NaN). Costs nothing unless B holds a non-finite value.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A size or stride is negative, or a span is too short for the last element it would be read or written at.</exception>
    public static void MatrixMultiplyAdd(
        int m, int n, int k,
        ReadOnlySpan<double> a, int aRowStride, int aColumnStride,
        ReadOnlySpan<double> b, int bRowStride, int bColumnStride,
        Span<double> c, int cRowStride, int cColumnStride,
        bool strongZeros = false) =>
        MatrixMultiplyAddCore(m, n, k, a, aRowStride, aColumnStride, b, bRowStride, bColumnStride, c, cRowStride, cColumnStride, strongZeros, MatrixKernel.Best);

    /// <inheritdoc cref="MatrixMultiplyAdd(int, int, int, ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, int, int, Span{double}, int, int, bool)"/>
    public static void MatrixMultiplyAdd(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColumnStride,
        ReadOnlySpan<float> b, int bRowStride, int bColumnStride,
        Span<float> c, int cRowStride, int cColumnStride,
        bool strongZeros = false) =>
        MatrixMultiplyAddCore(m, n, k, a, aRowStride, aColumnStride, b, bRowStride, bColumnStride, c, cRowStride, cColumnStride, strongZeros, MatrixKernel.Best);

    // The blocking, one for every micro-kernel. Depth (kc) bounds the blocks of p: each block's sum is
    // added to C in turn, so it is part of the rounding, and one value for all kernels makes them all
    // give the same bits. RowBlock (mc) rows of A by Depth, packed, stay in L2 (432 KiB of Zen 5's
    // 1 MiB, double); ColumnBlock (nc) columns of B by Depth, packed, in L3 (3 MiB). The innermost loop
    // runs one panel of B (16 columns) against each of the block's panels of A: both stream from L2,
    // whose bandwidth covers the 224 bytes a step of the 12×16 kernel reads in its 12 cycles of
    // multiply-adds with room to spare; a larger kc means fewer passes over C. Measured on Zen 5 with
    // kc 128–512 and mc 96–384: a plateau from kc = 320 and mc = 96 on.
    private const int MatrixDepth = 384;
    private const int MatrixRowBlock = 144;
    private const int MatrixColumnBlock = 1024;

    // The most memory (bytes) a block read in place may span (see Multiply): half the L2.
    private const long DirectSpan = 512 * 1024;

    /// <summary>Which micro-kernel runs: the widest the hardware has, or (for tests) a narrower one.</summary>
    internal enum MatrixKernel
    {
        Best,
        Vector512,
        Vector256,
        Scalar,
    }

    /// <summary>Whether <paramref name="kernel"/> can run on this machine.</summary>
    internal static bool IsSupported(MatrixKernel kernel) => kernel switch
    {
        MatrixKernel.Vector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        MatrixKernel.Vector256 => Vector256.IsHardwareAccelerated && Fma.IsSupported,
        _ => true,
    };

    /// <summary>The checks, then the product with <paramref name="kernel"/> (tests pick one; callers get <see cref="MatrixKernel.Best"/>).</summary>
    internal static void MatrixMultiplyAddCore<T>(
        int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColumnStride,
        ReadOnlySpan<T> b, int bRowStride, int bColumnStride,
        Span<T> c, int cRowStride, int cColumnStride,
        bool strongZeros, MatrixKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.NonNegative(m, nameof(m));
        Guard.NonNegative(n, nameof(n));
        Guard.NonNegative(k, nameof(k));
        Guard.NonNegative(aRowStride, nameof(aRowStride));
        Guard.NonNegative(aColumnStride, nameof(aColumnStride));
        Guard.NonNegative(bRowStride, nameof(bRowStride));
        Guard.NonNegative(bColumnStride, nameof(bColumnStride));
        Guard.NonNegative(cRowStride, nameof(cRowStride));
        Guard.NonNegative(cColumnStride, nameof(cColumnStride));
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }

        // One check per operand, of its last element; after it the loops index without checks.
        CheckExtent(a.Length, 0, m, aRowStride, k, aColumnStride, nameof(a), "A", "m", "k");
        CheckExtent(b.Length, 0, k, bRowStride, n, bColumnStride, nameof(b), "B", "k", "n");
        CheckExtent(c.Length, 0, m, cRowStride, n, cColumnStride, nameof(c), "C", "m", "n");
        MultiplyChecked(m, n, k, a, aRowStride, aColumnStride, b, bRowStride, bColumnStride, c, cRowStride, cColumnStride, strongZeros, kernel);
    }

    /// <summary>The product of operands already checked: non-empty, strides not negative, every element within its span.</summary>
    private static void MultiplyChecked<T>(
        int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColumnStride,
        ReadOnlySpan<T> b, int bRowStride, int bColumnStride,
        Span<T> c, int cRowStride, int cColumnStride,
        bool strongZeros, MatrixKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (OverlapsItself(m, n, cRowStride, cColumnStride))
        {
            AddThroughBuffer(m, n, k, a, aRowStride, aColumnStride, b, bRowStride, bColumnStride, c, cRowStride, cColumnStride, strongZeros, kernel);
            return;
        }

        // The kernels add whole rows of a tile into C, in vectors, where C's columns are contiguous;
        // elsewhere a tile goes through a buffer, element by element. When C's rows are contiguous
        // instead (a transposed C), compute Cᵀ += Bᵀ·Aᵀ: its columns are. Every element gets the same
        // chain of multiply-adds either way, so the same bits; strong zeros then skip zeros of the
        // kernel's B operand, which is A.
        var swap = cRowStride == 1 && cColumnStride != 1;
        var operands = swap
            ? new Operands<T>(
                ref MemoryMarshal.GetReference(b), bColumnStride, bRowStride,
                ref MemoryMarshal.GetReference(a), aColumnStride, aRowStride,
                ref MemoryMarshal.GetReference(c), cColumnStride, cRowStride)
            : new Operands<T>(
                ref MemoryMarshal.GetReference(a), aRowStride, aColumnStride,
                ref MemoryMarshal.GetReference(b), bRowStride, bColumnStride,
                ref MemoryMarshal.GetReference(c), cRowStride, cColumnStride);
        if (swap)
        {
            (m, n) = (n, m);
        }

        if (kernel == MatrixKernel.Best)
        {
            kernel = IsSupported(MatrixKernel.Vector512) ? MatrixKernel.Vector512
                : IsSupported(MatrixKernel.Vector256) ? MatrixKernel.Vector256
                : MatrixKernel.Scalar;
        }
        else if (!IsSupported(kernel))
        {
            throw new PlatformNotSupportedException($"The {kernel} matrix kernel needs hardware this machine lacks.");
        }

        switch (kernel)
        {
            case MatrixKernel.Vector512:
                Multiply<T, Tile512<T>>(m, n, k, operands, strongZeros, zerosOfB: swap);
                break;
            case MatrixKernel.Vector256:
                Multiply<T, Tile256<T>>(m, n, k, operands, strongZeros, zerosOfB: swap);
                break;
            default:
                Multiply<T, TileScalar<T>>(m, n, k, operands, strongZeros, zerosOfB: swap);
                break;
        }
    }

    // Whether two C(i,j) may be one element: unless the rows (or the columns) occupy disjoint ranges, assume so.
    private static bool OverlapsItself(int m, int n, int rowStride, int columnStride) =>
        !(m == 1 ? n == 1 || columnStride > 0
            : n == 1 ? rowStride > 0
            : columnStride > 0 && rowStride >= (long)(n - 1) * columnStride + 1
              || rowStride > 0 && columnStride >= (long)(m - 1) * rowStride + 1);

    // A C that overlaps itself: the product into a zeroed buffer of its own, then added element by element in
    // (i, j) order, so that no vector store of one row overwrites what another row just added.
    private static void AddThroughBuffer<T>(
        int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColumnStride,
        ReadOnlySpan<T> b, int bRowStride, int bColumnStride,
        Span<T> c, int cRowStride, int cColumnStride,
        bool strongZeros, MatrixKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var length = checked(m * n);
        var product = System.Buffers.ArrayPool<T>.Shared.Rent(length);
        try
        {
            Array.Clear(product, 0, length);
            MatrixMultiplyAddCore(m, n, k, a, aRowStride, aColumnStride, b, bRowStride, bColumnStride, product.AsSpan(0, length), n, 1, strongZeros, kernel);
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    c[(i * cRowStride) + (j * cColumnStride)] += product[(i * n) + j];
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(product);
        }
    }

    // Every index offset + r·rowStride + q·columnStride (r < rows, q < columns, strides of either sign) within [0, length).
    private static void CheckExtent(int length, int offset, int rows, int rowStride, int columns, int columnStride, string name, string matrix, string rowCount, string columnCount)
    {
        long rowSpan = (long)(rows - 1) * rowStride, columnSpan = (long)(columns - 1) * columnStride;
        var first = offset + Math.Min(0, rowSpan) + Math.Min(0, columnSpan);
        var last = offset + Math.Max(0, rowSpan) + Math.Max(0, columnSpan);
        if (first < 0 || last >= length)
        {
            throw new ArgumentOutOfRangeException(name, $"{matrix} ({rowCount}={rows} by {columnCount}={columns}, strides {rowStride} and {columnStride}, from index {offset}) reaches indices {first} to {last}, but {name} has {length} elements.");
        }
    }

    /// <summary>The three operands: a reference to each one's first element and its two strides.</summary>
    private readonly ref struct Operands<T>
    {
        public readonly ref T A;
        public readonly nint ARow, AColumn;
        public readonly ref T B;
        public readonly nint BRow, BColumn;
        public readonly ref T C;
        public readonly nint CRow, CColumn;

        public Operands(ref T a, nint aRow, nint aColumn, ref T b, nint bRow, nint bColumn, ref T c, nint cRow, nint cColumn)
        {
            A = ref a;
            ARow = aRow;
            AColumn = aColumn;
            B = ref b;
            BRow = bRow;
            BColumn = bColumn;
            C = ref c;
            CRow = cRow;
            CColumn = cColumn;
        }
    }

    /// <summary>
    /// The loops around the micro-kernel, as in BLIS: columns of C in blocks of <c>ColumnBlock</c>
    /// (the packed B block stays in L2/L3), then p in blocks of <c>Depth</c> (one packed B block per
    /// step), then rows in blocks of <c>RowBlock</c> (the packed A block stays in L2), then one
    /// micro-panel of B against each micro-panel of A in turn.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<T, TTile>(int m, int n, int k, Operands<T> x, bool strongZeros, bool zerosOfB)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTile : struct, ITile<T>
    {
        var mr = TTile.Rows;
        var nr = TTile.Columns;

        // Blocks of equal size (the last one a little smaller) rather than full blocks and a sliver:
        // fewer passes over C for k just above a multiple of Depth. The bounds depend on m, n, k only.
        var depth = Ceiling(k, Ceiling(k, TTile.Depth));
        var rowBlock = RoundUp(Ceiling(m, Ceiling(m, TTile.RowBlock)), mr);
        var columnBlock = RoundUp(Ceiling(n, Ceiling(n, TTile.ColumnBlock)), nr);

        // An operand already laid out as micro-panels want it (each step's lanes contiguous: A with row
        // stride 1, B with column stride 1) is read where it is when its block spans little memory:
        // then copying it would cost more than it saves (it is what limits small products). A block
        // spread wider is copied: its lines a page or more apart would miss the TLB and, at
        // power-of-two strides, fall into the same few cache sets; unless each panel would be read
        // once only anyway (one panel of the other operand: m ≤ mr, or n ≤ nr, a product with a vector),
        // when the copy is pure cost. A last, partial panel is copied (padded with zeros) either way,
        // unless the kernel reads just its rows (4 or 8 of 12).
        var directA = x.ARow == 1 && ((long)depth * x.AColumn * Unsafe.SizeOf<T>() <= DirectSpan || n <= nr);
        var directB = x.BColumn == 1 && ((long)depth * x.BRow * Unsafe.SizeOf<T>() <= DirectSpan || m <= mr);

        var packedA = RoundUp((directA ? mr : rowBlock) * depth, 64);
        var packedB = RoundUp((directB ? nr : columnBlock) * depth, 64);
        var tileLength = RoundUp(mr * nr, 64);
        ref var tile = ref PackBuffer<T>.Get(tileLength + packedA + packedB);
        ref var aBuffer = ref Unsafe.Add(ref tile, tileLength);
        ref var bBuffer = ref Unsafe.Add(ref aBuffer, packedA);

        for (var jc = 0; jc < n; jc += columnBlock)
        {
            var columns = Math.Min(columnBlock, n - jc);
            for (var pc = 0; pc < k; pc += depth)
            {
                var kc = Math.Min(depth, k - pc);
                ref var bBlock = ref Unsafe.Add(ref x.B, (pc * x.BRow) + (jc * x.BColumn));
                var b = directB
                    ? Panels<T>.Direct(ref bBlock, x.BRow, x.BColumn, columns, kc, nr, readable: nr, ref bBuffer)
                    : Panels<T>.Packed(ref bBlock, x.BColumn, x.BRow, columns, kc, nr, ref bBuffer);

                // The careful kernel only for blocks that need it: where the other factor is finite, a
                // zero adds exactly zero anyway.
                var bCareful = strongZeros && !zerosOfB && !IsFinite(ref bBlock, x.BRow, x.BColumn, kc, columns);
                for (var ic = 0; ic < m; ic += rowBlock)
                {
                    var rows = Math.Min(rowBlock, m - ic);
                    ref var aBlock = ref Unsafe.Add(ref x.A, (ic * x.ARow) + (pc * x.AColumn));
                    var a = directA
                        ? Panels<T>.Direct(ref aBlock, x.AColumn, x.ARow, rows, kc, mr, readable: TTile.Computed(rows % mr), ref aBuffer)
                        : Panels<T>.Packed(ref aBlock, x.ARow, x.AColumn, rows, kc, mr, ref aBuffer);
                    ref var cBlock = ref Unsafe.Add(ref x.C, (ic * x.CRow) + (jc * x.CColumn));
                    if (bCareful)
                    {
                        Block<T, TTile, SkipZerosOfA>(rows, columns, kc, a, b, ref cBlock, x.CRow, x.CColumn, ref tile);
                    }
                    else if (strongZeros && zerosOfB && !IsFinite(ref aBlock, x.ARow, x.AColumn, rows, kc))
                    {
                        Block<T, TTile, SkipZerosOfB>(rows, columns, kc, a, b, ref cBlock, x.CRow, x.CColumn, ref tile);
                    }
                    else
                    {
                        Block<T, TTile, IeeeZeros>(rows, columns, kc, a, b, ref cBlock, x.CRow, x.CColumn, ref tile);
                    }
                }
            }
        }
    }

    /// <summary>One block of A's micro-panels against one block of B's, micro-tile by micro-tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T, TTile, TZeros>(int rows, int columns, int kc, Panels<T> a, Panels<T> b, ref T c, nint cRow, nint cColumn, ref T tile)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTile : struct, ITile<T>
        where TZeros : struct, IZeros
    {
        var mr = TTile.Rows;
        var nr = TTile.Columns;
        for (var jr = 0; jr < columns; jr += nr)
        {
            var width = Math.Min(nr, columns - jr);
            ref var bPanel = ref b.Get(jr / nr, out var bStep);
            for (var ir = 0; ir < rows; ir += mr)
            {
                var height = Math.Min(mr, rows - ir);
                ref var aPanel = ref a.Get(ir / mr, out var aStep);
                ref var cTile = ref Unsafe.Add(ref c, (ir * cRow) + (jr * cColumn));
                var computed = TTile.Computed(height);
                if (computed == height && width == nr && cColumn == 1)
                {
                    TTile.MultiplyAdd<TZeros>(height, kc, ref aPanel, aStep, ref bPanel, bStep, ref cTile, cRow);
                }
                else
                {
                    // An edge tile, or C's columns not contiguous: the tile into a buffer, then its part
                    // added into C. The buffer starts at −0, the one exact identity of IEEE addition
                    // (+0 would turn a −0 sum into +0), so C gets the same bits as from a direct tile.
                    MemoryMarshal.CreateSpan(ref tile, computed * nr).Fill(T.NegativeZero);
                    TTile.MultiplyAdd<TZeros>(height, kc, ref aPanel, aStep, ref bPanel, bStep, ref tile, nr);
                    for (var i = 0; i < height; i++)
                    {
                        ref var cRowStart = ref Unsafe.Add(ref cTile, i * cRow);
                        ref var tileRow = ref Unsafe.Add(ref tile, i * nr);
                        for (var j = 0; j < width; j++)
                        {
                            Unsafe.Add(ref cRowStart, j * cColumn) += Unsafe.Add(ref tileRow, j);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// An operand's block as micro-panels of <c>lanes</c> lines (A's rows, B's columns): panel q's
    /// element for step p and lane i at <c>Get(q)[p·step + i]</c>. Packed, all of them are in the pack
    /// buffer with step = lanes; read in place, the full panels are in the operand with its stride
    /// along p as the step, and so is a partial last one if the kernel reads just its lanes, else that
    /// one is packed.
    /// </summary>
    private readonly ref struct Panels<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ref T _first;
        private readonly nint _panelDistance;
        private readonly nint _step;
        private readonly int _inPlace;
        private readonly ref T _packed;
        private readonly int _lanes;

        private Panels(ref T first, nint panelDistance, nint step, int inPlace, ref T packed, int lanes)
        {
            _first = ref first;
            _panelDistance = panelDistance;
            _step = step;
            _inPlace = inPlace;
            _packed = ref packed;
            _lanes = lanes;
        }

        /// <summary>All the panels copied into <paramref name="buffer"/>.</summary>
        public static Panels<T> Packed(ref T source, nint laneStride, nint depthStride, int count, int kc, int lanes, ref T buffer)
        {
            Pack(ref source, laneStride, depthStride, count, kc, lanes, ref buffer);
            return new Panels<T>(ref buffer, lanes * kc, lanes, int.MaxValue, ref buffer, lanes);
        }

        /// <summary>
        /// The full panels in place (their lanes contiguous), a partial last one copied into
        /// <paramref name="buffer"/> unless the kernel reads only its <paramref name="readable"/> lanes.
        /// </summary>
        public static Panels<T> Direct(ref T source, nint depthStride, nint laneStride, int count, int kc, int lanes, int readable, ref T buffer)
        {
            var inPlace = count / lanes;
            var tail = count - (inPlace * lanes);
            if (tail == readable)
            {
                inPlace++;
            }
            else if (tail > 0)
            {
                Pack(ref Unsafe.Add(ref source, inPlace * lanes * laneStride), laneStride, depthStride, tail, kc, lanes, ref buffer);
            }

            return new Panels<T>(ref source, lanes * laneStride, depthStride, inPlace, ref buffer, lanes);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ref T Get(int index, out nint step)
        {
            if (index < _inPlace)
            {
                step = _step;
                return ref Unsafe.Add(ref _first, index * _panelDistance);
            }

            step = _lanes;
            return ref _packed;
        }
    }

    /// <summary>Whether a <paramref name="rows"/> × <paramref name="columns"/> block is all finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsFinite<T>(ref T b, nint rowStride, nint columnStride, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (columnStride != 1 && rowStride == 1)
        {
            // Scan along the contiguous direction.
            (rowStride, columnStride, rows, columns) = (columnStride, rowStride, columns, rows);
        }

        if (columnStride == 1 && rowStride == columns)
        {
            // Contiguous rows: one scan of the whole block.
            return System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<T>(MemoryMarshal.CreateReadOnlySpan(ref b, rows * columns));
        }

        for (var p = 0; p < rows; p++)
        {
            ref var row = ref Unsafe.Add(ref b, p * rowStride);
            if (columnStride == 1)
            {
                if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<T>(MemoryMarshal.CreateReadOnlySpan(ref row, columns)))
                {
                    return false;
                }

                continue;
            }

            for (var j = 0; j < columns; j++)
            {
                if (!T.IsFinite(Unsafe.Add(ref row, j * columnStride)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// panels[(i / lanes)·lanes·kc + p·lanes + i % lanes] = source[i·laneStride + p·depthStride] for
    /// i &lt; <paramref name="count"/>, p &lt; <paramref name="kc"/>, the last panel's missing lanes zero:
    /// the operand's lines (A's rows, B's columns) cut into panels of <paramref name="lanes"/>, each
    /// interleaved p by p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack<T>(ref T source, nint laneStride, nint depthStride, int count, int kc, int lanes, ref T panels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (laneStride == 1)
        {
            // The lanes are contiguous in the source (row-major B, column-major A): eight steps at a
            // time, panel by panel, so the eight source lines being read stay in L1 (a whole panel at
            // once would jump a line each step, and a line of a wide matrix is a page away). Copied in
            // vectors: a memmove call per piece would cost more than the few elements it copies.
            var vector = Vector256.IsHardwareAccelerated ? Vector256<T>.Count : int.MaxValue;
            var fullWidth = lanes % vector == 0 ? count - (count % lanes) : 0;
            for (var p0 = 0; p0 < kc; p0 += 8)
            {
                var pEnd = Math.Min(kc, p0 + 8);
                var first = 0;
                for (; first < fullWidth; first += lanes)
                {
                    ref var panel = ref Unsafe.Add(ref panels, first * kc);
                    for (var p = p0; p < pEnd; p++)
                    {
                        ref var from = ref Unsafe.Add(ref source, (p * depthStride) + first);
                        ref var to = ref Unsafe.Add(ref panel, p * lanes);
                        for (var i = 0; i < lanes; i += vector)
                        {
                            Vector256.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
                        }
                    }
                }

                for (; first < count; first += lanes)
                {
                    var width = Math.Min(lanes, count - first);
                    ref var panel = ref Unsafe.Add(ref panels, first * kc);
                    for (var p = p0; p < pEnd; p++)
                    {
                        ref var from = ref Unsafe.Add(ref source, (p * depthStride) + first);
                        ref var to = ref Unsafe.Add(ref panel, p * lanes);
                        var i = 0;
                        for (; i < width; i++)
                        {
                            Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i);
                        }

                        for (; i < lanes; i++)
                        {
                            Unsafe.Add(ref to, i) = T.Zero;
                        }
                    }
                }
            }

            return;
        }

        for (var first = 0; first < count; first += lanes)
        {
            PackPanel(ref Unsafe.Add(ref source, first * laneStride), laneStride, depthStride, Math.Min(lanes, count - first), kc, lanes, ref Unsafe.Add(ref panels, first * kc));
        }
    }

    /// <summary>
    /// panel[p·lanes + i] = source[i·laneStride + p·depthStride] for i &lt; <paramref name="count"/>,
    /// zero for count ≤ i &lt; lanes: one panel of <see cref="Pack"/>, for sources whose lanes are not contiguous.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPanel<T>(ref T source, nint laneStride, nint depthStride, int count, int kc, int lanes, ref T panel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var first = 0;
        if (depthStride == 1 && CanTranspose4<T>())
        {
            // Each lane contiguous along p (row-major A, transposed B): four lanes by four steps at a
            // time, transposed in registers, so each store writes four lanes of one step. About three
            // times faster than an element at a time, which matters when m or n is small and the
            // packing is a large part of the work.
            var steps = kc & ~3;
            for (; first + 4 <= count; first += 4)
            {
                ref var from = ref Unsafe.Add(ref source, first * laneStride);
                ref var to = ref Unsafe.Add(ref panel, first);
                for (var p = 0; p < steps; p += 4)
                {
                    Transpose4(ref Unsafe.Add(ref from, p), laneStride, ref Unsafe.Add(ref to, p * lanes), lanes);
                }

                for (var i = 0; i < 4; i++)
                {
                    for (var p = steps; p < kc; p++)
                    {
                        Unsafe.Add(ref to, (p * lanes) + i) = Unsafe.Add(ref from, (i * laneStride) + p);
                    }
                }
            }
        }

        // Otherwise (and for the lanes left) lane by lane: each lane's reads run along p, its writes a
        // fixed stride apart.
        for (var i = first; i < count; i++)
        {
            ref var from = ref Unsafe.Add(ref source, i * laneStride);
            ref var to = ref Unsafe.Add(ref panel, i);
            for (var p = 0; p < kc; p++)
            {
                Unsafe.Add(ref to, p * lanes) = Unsafe.Add(ref from, p * depthStride);
            }
        }

        for (var i = count; i < lanes; i++)
        {
            ref var to = ref Unsafe.Add(ref panel, i);
            for (var p = 0; p < kc; p++)
            {
                Unsafe.Add(ref to, p * lanes) = T.Zero;
            }
        }
    }

    private static bool CanTranspose4<T>() =>
        (typeof(T) == typeof(double) && Avx.IsSupported) || (typeof(T) == typeof(float) && Sse.IsSupported);

    /// <summary>
    /// to[q·toStride + r] = from[r·fromStride + q] for r, q &lt; 4: a 4×4 block transposed, double in
    /// AVX registers, float in SSE registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4<T>(ref T from, nint fromStride, ref T to, nint toStride)
        where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            ref var f = ref Unsafe.As<T, double>(ref from);
            ref var t = ref Unsafe.As<T, double>(ref to);
            var r0 = Vector256.LoadUnsafe(ref f);
            var r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref f, fromStride));
            var r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref f, 2 * fromStride));
            var r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref f, 3 * fromStride));
            var t0 = Avx.UnpackLow(r0, r1);  // r0[0] r1[0] r0[2] r1[2]
            var t1 = Avx.UnpackHigh(r0, r1); // r0[1] r1[1] r0[3] r1[3]
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref t);
            Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref Unsafe.Add(ref t, toStride));
            Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref Unsafe.Add(ref t, 2 * toStride));
            Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref Unsafe.Add(ref t, 3 * toStride));
        }
        else
        {
            ref var f = ref Unsafe.As<T, float>(ref from);
            ref var t = ref Unsafe.As<T, float>(ref to);
            var r0 = Vector128.LoadUnsafe(ref f);
            var r1 = Vector128.LoadUnsafe(ref Unsafe.Add(ref f, fromStride));
            var r2 = Vector128.LoadUnsafe(ref Unsafe.Add(ref f, 2 * fromStride));
            var r3 = Vector128.LoadUnsafe(ref Unsafe.Add(ref f, 3 * fromStride));
            var t0 = Sse.UnpackLow(r0, r1);  // r0[0] r1[0] r0[1] r1[1]
            var t1 = Sse.UnpackHigh(r0, r1); // r0[2] r1[2] r0[3] r1[3]
            var t2 = Sse.UnpackLow(r2, r3);
            var t3 = Sse.UnpackHigh(r2, r3);
            Sse.MoveLowToHigh(t0, t2).StoreUnsafe(ref t);
            Sse.MoveHighToLow(t2, t0).StoreUnsafe(ref Unsafe.Add(ref t, toStride));
            Sse.MoveLowToHigh(t1, t3).StoreUnsafe(ref Unsafe.Add(ref t, 2 * toStride));
            Sse.MoveHighToLow(t3, t1).StoreUnsafe(ref Unsafe.Add(ref t, 3 * toStride));
        }
    }

    private static int Ceiling(int value, int divisor) => (value + divisor - 1) / divisor;

    private static int RoundUp(int value, int multiple) => Ceiling(value, multiple) * multiple;

    /// <summary>
    /// How a product with a zero factor counts: by IEEE, or as nothing where the kernel's A operand
    /// (broadcast) is zero, or where its B operand (vector) is zero (<c>strongZeros</c> with the
    /// operands swapped).
    /// </summary>
    private interface IZeros
    {
        static abstract bool SkipA { get; }

        static abstract bool SkipB { get; }
    }

    private struct IeeeZeros : IZeros
    {
        public static bool SkipA => false;

        public static bool SkipB => false;
    }

    private struct SkipZerosOfA : IZeros
    {
        public static bool SkipA => true;

        public static bool SkipB => false;
    }

    private struct SkipZerosOfB : IZeros
    {
        public static bool SkipA => false;

        public static bool SkipB => true;
    }

    /// <summary>A micro-kernel: its tile's shape, the blocking around it, and the tile's multiply-add.</summary>
    private interface ITile<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>mr: rows of the tile, of an A micro-panel.</summary>
        static abstract int Rows { get; }

        /// <summary>nr: columns of the tile, of a B micro-panel.</summary>
        static abstract int Columns { get; }

        /// <summary>kc: the longest block of p.</summary>
        static abstract int Depth { get; }

        /// <summary>mc: the most rows of a packed A block.</summary>
        static abstract int RowBlock { get; }

        /// <summary>nc: the most columns of a packed B block.</summary>
        static abstract int ColumnBlock { get; }

        /// <summary>How many rows <see cref="MultiplyAdd"/> computes for a panel of <paramref name="rows"/> rows (at most <see cref="Rows"/>).</summary>
        static abstract int Computed(int rows);

        /// <summary>
        /// c[i·cRow + j] += Σ_p a[p·aStep + i]·b[p·bStep + j] for p &lt; kc, j &lt; Columns and
        /// i &lt; Computed(rows), each sum fused-multiply-added from zero in increasing p, then added to C.
        /// </summary>
        static abstract void MultiplyAdd<TZeros>(int rows, int kc, ref T a, nint aStep, ref T b, nint bStep, ref T c, nint cRow)
            where TZeros : struct, IZeros;
    }

    /// <summary>A count of rows, a constant to the JIT.</summary>
    private interface IRows
    {
        static abstract int Count { get; }
    }

    private struct Rows3 : IRows
    {
        public static int Count => 3;
    }

    private struct Rows4 : IRows
    {
        public static int Count => 4;
    }

    private struct Rows6 : IRows
    {
        public static int Count => 6;
    }

    private struct Rows8 : IRows
    {
        public static int Count => 8;
    }

    private struct Rows12 : IRows
    {
        public static int Count => 12;
    }

    /// <summary>
    /// The per-thread buffer the panels are packed into: grown to the largest size a thread has needed,
    /// then reused. Pinned, so its start can be aligned to a cache line once.
    /// </summary>
    private static class PackBuffer<T>
        where T : unmanaged
    {
        [ThreadStatic]
        private static T[]? _array;

        [ThreadStatic]
        private static int _start;

        public static ref T Get(int length)
        {
            var array = _array;
            if (array is null || array.Length - _start < length)
            {
                array = Grow(length, array?.Length ?? 0);
            }

            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), _start);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static T[] Grow(int length, int previous)
        {
            // A cache line's worth of slack to align the start. At least double the last size (up to
            // about what the largest blocks need), so a thread growing by steps reallocates a few times only.
            var slack = 64 / Unsafe.SizeOf<T>();
            var array = GC.AllocateUninitializedArray<T>(Math.Max(length, Math.Min(2 * previous, 1 << 19)) + slack, pinned: true);
            var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            var address = (long)handle.AddrOfPinnedObject();
            handle.Free(); // the pinned object heap never moves the array: the address stays good
            _start = (int)((64 - (address & 63)) & 63) / Unsafe.SizeOf<T>();
            _array = array;
            return array;
        }
    }

    /// <summary>
    /// AVX-512: 12 rows by 2 vectors (12×16 doubles, 12×32 floats). 24 accumulators, 2 loads of B and
    /// 12 broadcasts of A per step, in 32 registers with room to spare (no spills; measured against 8×24,
    /// 14×16 and 6×32, which run as fast on a panel in cache). Chosen for its width: layer sizes are
    /// multiples of 16 far more often than of 24, so the last column panel is rarely partial. A last
    /// panel of 1–4 or 5–8 rows runs 4 or 8 rows only.
    /// </summary>
    private struct Tile512<T> : ITile<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Rows => 12;

        public static int Columns => 2 * Vector512<T>.Count;

        public static int Depth => MatrixDepth;

        public static int RowBlock => MatrixRowBlock;

        public static int ColumnBlock => MatrixColumnBlock;

        public static int Computed(int rows) => rows <= 4 ? 4 : rows <= 8 ? 8 : 12;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MultiplyAdd<TZeros>(int rows, int kc, ref T a, nint aStep, ref T b, nint bStep, ref T c, nint cRow)
            where TZeros : struct, IZeros
        {
            if (rows <= 4)
            {
                Run<TZeros, Rows4>(kc, ref a, aStep, ref b, bStep, ref c, cRow);
            }
            else if (rows <= 8)
            {
                Run<TZeros, Rows8>(kc, ref a, aStep, ref b, bStep, ref c, cRow);
            }
            else
            {
                Run<TZeros, Rows12>(kc, ref a, aStep, ref b, bStep, ref c, cRow);
            }
        }

        // The first TRows.Count rows of the tile; the tests of TRows.Count are constants to the JIT,
        // which drops the rows beyond it, their accumulators and all.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Run<TZeros, TRows>(int kc, ref T a, nint aStep, ref T b, nint bStep, ref T c, nint cRow)
            where TZeros : struct, IZeros
            where TRows : struct, IRows
        {
            var w = (nuint)Vector512<T>.Count;
            Vector512<T> c00 = default, c01 = default;
            Vector512<T> c10 = default, c11 = default;
            Vector512<T> c20 = default, c21 = default;
            Vector512<T> c30 = default, c31 = default;
            Vector512<T> c40 = default, c41 = default;
            Vector512<T> c50 = default, c51 = default;
            Vector512<T> c60 = default, c61 = default;
            Vector512<T> c70 = default, c71 = default;
            Vector512<T> c80 = default, c81 = default;
            Vector512<T> c90 = default, c91 = default;
            Vector512<T> c100 = default, c101 = default;
            Vector512<T> c110 = default, c111 = default;
            for (var p = 0; p < kc; p++)
            {
                var b0 = Vector512.LoadUnsafe(ref b);
                var b1 = Vector512.LoadUnsafe(ref b, w);
                var x0 = Vector512.Create(a);
                c00 = Step512<T, TZeros>(x0, b0, c00); c01 = Step512<T, TZeros>(x0, b1, c01);
                var x1 = Vector512.Create(Unsafe.Add(ref a, 1));
                c10 = Step512<T, TZeros>(x1, b0, c10); c11 = Step512<T, TZeros>(x1, b1, c11);
                var x2 = Vector512.Create(Unsafe.Add(ref a, 2));
                c20 = Step512<T, TZeros>(x2, b0, c20); c21 = Step512<T, TZeros>(x2, b1, c21);
                var x3 = Vector512.Create(Unsafe.Add(ref a, 3));
                c30 = Step512<T, TZeros>(x3, b0, c30); c31 = Step512<T, TZeros>(x3, b1, c31);
                if (TRows.Count > 4)
                {
                    var x4 = Vector512.Create(Unsafe.Add(ref a, 4));
                    c40 = Step512<T, TZeros>(x4, b0, c40); c41 = Step512<T, TZeros>(x4, b1, c41);
                    var x5 = Vector512.Create(Unsafe.Add(ref a, 5));
                    c50 = Step512<T, TZeros>(x5, b0, c50); c51 = Step512<T, TZeros>(x5, b1, c51);
                    var x6 = Vector512.Create(Unsafe.Add(ref a, 6));
                    c60 = Step512<T, TZeros>(x6, b0, c60); c61 = Step512<T, TZeros>(x6, b1, c61);
                    var x7 = Vector512.Create(Unsafe.Add(ref a, 7));
                    c70 = Step512<T, TZeros>(x7, b0, c70); c71 = Step512<T, TZeros>(x7, b1, c71);
                }

                if (TRows.Count > 8)
                {
                    var x8 = Vector512.Create(Unsafe.Add(ref a, 8));
                    c80 = Step512<T, TZeros>(x8, b0, c80); c81 = Step512<T, TZeros>(x8, b1, c81);
                    var x9 = Vector512.Create(Unsafe.Add(ref a, 9));
                    c90 = Step512<T, TZeros>(x9, b0, c90); c91 = Step512<T, TZeros>(x9, b1, c91);
                    var x10 = Vector512.Create(Unsafe.Add(ref a, 10));
                    c100 = Step512<T, TZeros>(x10, b0, c100); c101 = Step512<T, TZeros>(x10, b1, c101);
                    var x11 = Vector512.Create(Unsafe.Add(ref a, 11));
                    c110 = Step512<T, TZeros>(x11, b0, c110); c111 = Step512<T, TZeros>(x11, b1, c111);
                }

                a = ref Unsafe.Add(ref a, aStep);
                b = ref Unsafe.Add(ref b, bStep);
            }

            (Vector512.LoadUnsafe(ref c) + c00).StoreUnsafe(ref c);
            (Vector512.LoadUnsafe(ref c, w) + c01).StoreUnsafe(ref c, w);
            c = ref Unsafe.Add(ref c, cRow);
            (Vector512.LoadUnsafe(ref c) + c10).StoreUnsafe(ref c);
            (Vector512.LoadUnsafe(ref c, w) + c11).StoreUnsafe(ref c, w);
            c = ref Unsafe.Add(ref c, cRow);
            (Vector512.LoadUnsafe(ref c) + c20).StoreUnsafe(ref c);
            (Vector512.LoadUnsafe(ref c, w) + c21).StoreUnsafe(ref c, w);
            c = ref Unsafe.Add(ref c, cRow);
            (Vector512.LoadUnsafe(ref c) + c30).StoreUnsafe(ref c);
            (Vector512.LoadUnsafe(ref c, w) + c31).StoreUnsafe(ref c, w);

            if (TRows.Count > 4)
            {
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c40).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c41).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c50).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c51).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c60).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c61).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c70).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c71).StoreUnsafe(ref c, w);
            }

            if (TRows.Count > 8)
            {
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c80).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c81).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c90).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c91).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c100).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c101).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector512.LoadUnsafe(ref c) + c110).StoreUnsafe(ref c);
                (Vector512.LoadUnsafe(ref c, w) + c111).StoreUnsafe(ref c, w);
            }
        }
    }

    /// <summary>
    /// AVX2 with FMA: 6 rows by 2 vectors (6×8 doubles, 6×16 floats), BLIS's Haswell shape: 12
    /// accumulators, 2 loads of B and 6 broadcasts of A per step, in 16 registers. A last panel of 1–3
    /// rows runs 3 rows only.
    /// </summary>
    private struct Tile256<T> : ITile<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Rows => 6;

        public static int Columns => 2 * Vector256<T>.Count;

        public static int Depth => MatrixDepth;

        public static int RowBlock => MatrixRowBlock;

        public static int ColumnBlock => MatrixColumnBlock;

        public static int Computed(int rows) => rows <= 3 ? 3 : 6;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MultiplyAdd<TZeros>(int rows, int kc, ref T a, nint aStep, ref T b, nint bStep, ref T c, nint cRow)
            where TZeros : struct, IZeros
        {
            if (rows <= 3)
            {
                Run<TZeros, Rows3>(kc, ref a, aStep, ref b, bStep, ref c, cRow);
            }
            else
            {
                Run<TZeros, Rows6>(kc, ref a, aStep, ref b, bStep, ref c, cRow);
            }
        }

        // The first TRows.Count rows of the tile; the tests of TRows.Count are constants to the JIT,
        // which drops the rows beyond it, their accumulators and all.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Run<TZeros, TRows>(int kc, ref T a, nint aStep, ref T b, nint bStep, ref T c, nint cRow)
            where TZeros : struct, IZeros
            where TRows : struct, IRows
        {
            var w = (nuint)Vector256<T>.Count;
            Vector256<T> c00 = default, c01 = default;
            Vector256<T> c10 = default, c11 = default;
            Vector256<T> c20 = default, c21 = default;
            Vector256<T> c30 = default, c31 = default;
            Vector256<T> c40 = default, c41 = default;
            Vector256<T> c50 = default, c51 = default;
            for (var p = 0; p < kc; p++)
            {
                var b0 = Vector256.LoadUnsafe(ref b);
                var b1 = Vector256.LoadUnsafe(ref b, w);
                var x0 = Vector256.Create(a);
                c00 = Step256<T, TZeros>(x0, b0, c00); c01 = Step256<T, TZeros>(x0, b1, c01);
                var x1 = Vector256.Create(Unsafe.Add(ref a, 1));
                c10 = Step256<T, TZeros>(x1, b0, c10); c11 = Step256<T, TZeros>(x1, b1, c11);
                var x2 = Vector256.Create(Unsafe.Add(ref a, 2));
                c20 = Step256<T, TZeros>(x2, b0, c20); c21 = Step256<T, TZeros>(x2, b1, c21);
                if (TRows.Count > 3)
                {
                    var x3 = Vector256.Create(Unsafe.Add(ref a, 3));
                    c30 = Step256<T, TZeros>(x3, b0, c30); c31 = Step256<T, TZeros>(x3, b1, c31);
                    var x4 = Vector256.Create(Unsafe.Add(ref a, 4));
                    c40 = Step256<T, TZeros>(x4, b0, c40); c41 = Step256<T, TZeros>(x4, b1, c41);
                    var x5 = Vector256.Create(Unsafe.Add(ref a, 5));
                    c50 = Step256<T, TZeros>(x5, b0, c50); c51 = Step256<T, TZeros>(x5, b1, c51);
                }

                a = ref Unsafe.Add(ref a, aStep);
                b = ref Unsafe.Add(ref b, bStep);
            }

            (Vector256.LoadUnsafe(ref c) + c00).StoreUnsafe(ref c);
            (Vector256.LoadUnsafe(ref c, w) + c01).StoreUnsafe(ref c, w);
            c = ref Unsafe.Add(ref c, cRow);
            (Vector256.LoadUnsafe(ref c) + c10).StoreUnsafe(ref c);
            (Vector256.LoadUnsafe(ref c, w) + c11).StoreUnsafe(ref c, w);
            c = ref Unsafe.Add(ref c, cRow);
            (Vector256.LoadUnsafe(ref c) + c20).StoreUnsafe(ref c);
            (Vector256.LoadUnsafe(ref c, w) + c21).StoreUnsafe(ref c, w);

            if (TRows.Count > 3)
            {
                c = ref Unsafe.Add(ref c, cRow);
                (Vector256.LoadUnsafe(ref c) + c30).StoreUnsafe(ref c);
                (Vector256.LoadUnsafe(ref c, w) + c31).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector256.LoadUnsafe(ref c) + c40).StoreUnsafe(ref c);
                (Vector256.LoadUnsafe(ref c, w) + c41).StoreUnsafe(ref c, w);
                c = ref Unsafe.Add(ref c, cRow);
                (Vector256.LoadUnsafe(ref c) + c50).StoreUnsafe(ref c);
                (Vector256.LoadUnsafe(ref c, w) + c51).StoreUnsafe(ref c, w);
            }
        }
    }

    /// <summary>
    /// Without wide vectors: 4×4 scalars, 16 accumulators. Where the hardware fuses multiply-adds, each
    /// is the same chain of them as a vector lane's, so it gives the vector kernels' bits.
    /// </summary>
    private struct TileScalar<T> : ITile<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Rows => 4;

        public static int Columns => 4;

        public static int Depth => MatrixDepth;

        public static int RowBlock => MatrixRowBlock;

        public static int ColumnBlock => MatrixColumnBlock;

        public static int Computed(int rows) => 4;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MultiplyAdd<TZeros>(int rows, int kc, ref T a, nint aStep, ref T b, nint bStep, ref T c, nint cRow)
            where TZeros : struct, IZeros
        {
            T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero;
            T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
            T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero;
            T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
            for (var p = 0; p < kc; p++)
            {
                T b0 = b, b1 = Unsafe.Add(ref b, 1), b2 = Unsafe.Add(ref b, 2), b3 = Unsafe.Add(ref b, 3);
                var x0 = a;
                c00 = StepScalar<T, TZeros>(x0, b0, c00); c01 = StepScalar<T, TZeros>(x0, b1, c01); c02 = StepScalar<T, TZeros>(x0, b2, c02); c03 = StepScalar<T, TZeros>(x0, b3, c03);
                var x1 = Unsafe.Add(ref a, 1);
                c10 = StepScalar<T, TZeros>(x1, b0, c10); c11 = StepScalar<T, TZeros>(x1, b1, c11); c12 = StepScalar<T, TZeros>(x1, b2, c12); c13 = StepScalar<T, TZeros>(x1, b3, c13);
                var x2 = Unsafe.Add(ref a, 2);
                c20 = StepScalar<T, TZeros>(x2, b0, c20); c21 = StepScalar<T, TZeros>(x2, b1, c21); c22 = StepScalar<T, TZeros>(x2, b2, c22); c23 = StepScalar<T, TZeros>(x2, b3, c23);
                var x3 = Unsafe.Add(ref a, 3);
                c30 = StepScalar<T, TZeros>(x3, b0, c30); c31 = StepScalar<T, TZeros>(x3, b1, c31); c32 = StepScalar<T, TZeros>(x3, b2, c32); c33 = StepScalar<T, TZeros>(x3, b3, c33);
                a = ref Unsafe.Add(ref a, aStep);
                b = ref Unsafe.Add(ref b, bStep);
            }

            c += c00; Unsafe.Add(ref c, 1) += c01; Unsafe.Add(ref c, 2) += c02; Unsafe.Add(ref c, 3) += c03;
            c = ref Unsafe.Add(ref c, cRow);
            c += c10; Unsafe.Add(ref c, 1) += c11; Unsafe.Add(ref c, 2) += c12; Unsafe.Add(ref c, 3) += c13;
            c = ref Unsafe.Add(ref c, cRow);
            c += c20; Unsafe.Add(ref c, 1) += c21; Unsafe.Add(ref c, 2) += c22; Unsafe.Add(ref c, 3) += c23;
            c = ref Unsafe.Add(ref c, cRow);
            c += c30; Unsafe.Add(ref c, 1) += c31; Unsafe.Add(ref c, 2) += c32; Unsafe.Add(ref c, 3) += c33;
        }
    }

    /// <summary>
    /// x·y + sum in one rounding where the hardware does it (x64 with FMA, Arm64), else in two: there
    /// <see cref="Math.FusedMultiplyAdd(double, double, double)"/> is done in software, and the kernel
    /// ran at 1.6 GFLOP/s instead of 11 (measured with AVX2 and FMA switched off); a machine without
    /// FMA has no vector kernel to agree with anyway.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T FusedScalar<T>(T x, T y, T sum)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? T.FusedMultiplyAdd(x, y, sum) : (x * y) + sum;

    // The steps of the vector kernels. Written without a local for the product: with one, the JIT
    // copies it into the accumulator's register after each row's last multiply-add (measured: a
    // register move per row, 8 per step of the 8×24 kernel).

    /// <summary>sum + x·y in one rounding; sum unchanged in the lanes where the factor <typeparamref name="TZeros"/> skips is zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Step512<T, TZeros>(Vector512<T> x, Vector512<T> y, Vector512<T> sum)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TZeros : struct, IZeros
    {
        if (TZeros.SkipA)
        {
            return Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<T>.Zero), sum, Fused512(x, y, sum));
        }

        if (TZeros.SkipB)
        {
            return Vector512.ConditionalSelect(Vector512.Equals(y, Vector512<T>.Zero), sum, Fused512(x, y, sum));
        }

        return Fused512(x, y, sum);
    }

    /// <summary>sum + x·y in one rounding; sum unchanged in the lanes where the factor <typeparamref name="TZeros"/> skips is zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Step256<T, TZeros>(Vector256<T> x, Vector256<T> y, Vector256<T> sum)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TZeros : struct, IZeros
    {
        if (TZeros.SkipA)
        {
            return Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<T>.Zero), sum, Fused256(x, y, sum));
        }

        if (TZeros.SkipB)
        {
            return Vector256.ConditionalSelect(Vector256.Equals(y, Vector256<T>.Zero), sum, Fused256(x, y, sum));
        }

        return Fused256(x, y, sum);
    }

    /// <summary>sum + x·y, or sum where the factor <typeparamref name="TZeros"/> skips is zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T StepScalar<T, TZeros>(T x, T y, T sum)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TZeros : struct, IZeros =>
        (TZeros.SkipA && x == T.Zero) || (TZeros.SkipB && y == T.Zero) ? sum : FusedScalar(x, y, sum);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fused512<T>(Vector512<T> x, Vector512<T> y, Vector512<T> sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), sum.AsDouble()).As<double, T>();
        }

        return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), sum.AsSingle()).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fused256<T>(Vector256<T> x, Vector256<T> y, Vector256<T> sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), sum.AsDouble()).As<double, T>();
        }

        return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), sum.AsSingle()).As<float, T>();
    }
}
