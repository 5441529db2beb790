// AssemblyScript: the kernels of one search edge (MixedOp) for the cpu and
// wasm backends, compiled to WebAssembly with SIMD by scripts/build-kernels.
// Layout NHWC, f32. Pointers are byte offsets into the memory the module
// imports: TF.js wasm's own heap, or a memory of its own under cpu; the
// caller (../edgeWasm.ts, ../fusedEdge.ts) lays every buffer out. Vector
// loops cover channels in blocks of eight or four; a scalar tail handles
// the rest. Nothing here allocates, so the module has no data of its own.

function f4(i: i32): usize {
  return (<usize>i) << 2;
}

/**
 * The taps [lo, hi) of a k-tap filter with dilation d, starting at input
 * index `start` (negative in the padding), that land inside [0, size);
 * packed as lo | hi << 16.
 */
function taps(start: i32, k: i32, d: i32, size: i32): i32 {
  let lo = 0;
  while (lo < k && start + lo * d < 0) lo++;
  let hi = k;
  while (hi > lo && start + (hi - 1) * d >= size) hi--;
  return lo | (hi << 16);
}

/** out[n,ho,wo,c] = Σ_ij in[n, ho·s−p+i·d, wo·s−p+j·d, c] · f[i,j,c]. */
export function dwFwd(
  inp: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  f: usize,
  k: i32,
  s: i32,
  d: i32,
  p: i32,
  out: usize,
  ho: i32,
  wo: i32,
): void {
  const c8 = c & ~7;
  const c4 = c & ~3;
  const tapStep = f4(d * c);
  const rowStep = f4(d * w * c);
  const fTap = f4(c);
  const fRow = f4(k * c);
  for (let b = 0; b < n; b++) {
    const inB = inp + f4(b * h * w * c);
    for (let y = 0; y < ho; y++) {
      const h0 = y * s - p;
      const rows = taps(h0, k, d, h);
      const iLo = rows & 0xffff;
      const iHi = rows >>> 16;
      for (let x = 0; x < wo; x++) {
        const w0 = x * s - p;
        const cols = taps(w0, k, d, w);
        const jLo = cols & 0xffff;
        const jHi = cols >>> 16;
        const o = out + f4(((b * ho + y) * wo + x) * c);
        // The first tap's input and filter addresses for channel 0.
        const in0 = inB + f4(((h0 + iLo * d) * w + w0 + jLo * d) * c);
        const f0 = f + f4((iLo * k + jLo) * c);
        let ch = 0;
        for (; ch < c8; ch += 8) {
          let acc0 = f32x4.splat(0);
          let acc1 = f32x4.splat(0);
          let rowIn = in0 + f4(ch);
          let rowF = f0 + f4(ch);
          for (let i = iLo; i < iHi; i++) {
            let ip = rowIn;
            let fp = rowF;
            for (let j = jLo; j < jHi; j++) {
              acc0 = f32x4.add(acc0, f32x4.mul(v128.load(ip), v128.load(fp)));
              acc1 = f32x4.add(
                acc1,
                f32x4.mul(v128.load(ip, 16), v128.load(fp, 16)),
              );
              ip += tapStep;
              fp += fTap;
            }
            rowIn += rowStep;
            rowF += fRow;
          }
          v128.store(o + f4(ch), acc0);
          v128.store(o + f4(ch), acc1, 16);
        }
        for (; ch < c4; ch += 4) {
          let acc = f32x4.splat(0);
          let rowIn = in0 + f4(ch);
          let rowF = f0 + f4(ch);
          for (let i = iLo; i < iHi; i++) {
            let ip = rowIn;
            let fp = rowF;
            for (let j = jLo; j < jHi; j++) {
              acc = f32x4.add(acc, f32x4.mul(v128.load(ip), v128.load(fp)));
              ip += tapStep;
              fp += fTap;
            }
            rowIn += rowStep;
            rowF += fRow;
          }
          v128.store(o + f4(ch), acc);
        }
        for (; ch < c; ch++) {
          let acc: f32 = 0;
          let rowIn = in0 + f4(ch);
          let rowF = f0 + f4(ch);
          for (let i = iLo; i < iHi; i++) {
            let ip = rowIn;
            let fp = rowF;
            for (let j = jLo; j < jHi; j++) {
              acc += load<f32>(ip) * load<f32>(fp);
              ip += tapStep;
              fp += fTap;
            }
            rowIn += rowStep;
            rowF += fRow;
          }
          store<f32>(o + f4(ch), acc);
        }
      }
    }
  }
}

/**
 * The adjoint of dwFwd: dx += the scatter of dy through the filter, and,
 * when wantDf, df += Σ dy · in over every position.
 */
export function dwBwd(
  dy: usize,
  inp: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  f: usize,
  k: i32,
  s: i32,
  d: i32,
  p: i32,
  ho: i32,
  wo: i32,
  dx: usize,
  df: usize,
  wantDf: bool,
): void {
  const c8 = c & ~7;
  const c4 = c & ~3;
  const tapStep = f4(d * c);
  const rowStep = f4(d * w * c);
  const fTap = f4(c);
  const fRow = f4(k * c);
  // dx and the input share offsets: walk `inp` and step dx by the distance.
  const toDx = dx - inp;
  for (let b = 0; b < n; b++) {
    const inB = inp + f4(b * h * w * c);
    for (let y = 0; y < ho; y++) {
      const h0 = y * s - p;
      const rows = taps(h0, k, d, h);
      const iLo = rows & 0xffff;
      const iHi = rows >>> 16;
      for (let x = 0; x < wo; x++) {
        const w0 = x * s - p;
        const cols = taps(w0, k, d, w);
        const jLo = cols & 0xffff;
        const jHi = cols >>> 16;
        const g = dy + f4(((b * ho + y) * wo + x) * c);
        const in0 = inB + f4(((h0 + iLo * d) * w + w0 + jLo * d) * c);
        const tap0 = f4((iLo * k + jLo) * c);
        let ch = 0;
        for (; ch < c8; ch += 8) {
          const g0 = v128.load(g + f4(ch));
          const g1 = v128.load(g + f4(ch), 16);
          let rowIn = in0 + f4(ch);
          let rowT = tap0 + f4(ch);
          for (let i = iLo; i < iHi; i++) {
            let ip = rowIn;
            let tp = rowT;
            for (let j = jLo; j < jHi; j++) {
              const xp = ip + toDx;
              v128.store(
                xp,
                f32x4.add(v128.load(xp), f32x4.mul(g0, v128.load(f + tp))),
              );
              v128.store(
                xp,
                f32x4.add(
                  v128.load(xp, 16),
                  f32x4.mul(g1, v128.load(f + tp, 16)),
                ),
                16,
              );
              if (wantDf) {
                const fp = df + tp;
                v128.store(
                  fp,
                  f32x4.add(v128.load(fp), f32x4.mul(g0, v128.load(ip))),
                );
                v128.store(
                  fp,
                  f32x4.add(
                    v128.load(fp, 16),
                    f32x4.mul(g1, v128.load(ip, 16)),
                  ),
                  16,
                );
              }
              ip += tapStep;
              tp += fTap;
            }
            rowIn += rowStep;
            rowT += fRow;
          }
        }
        for (; ch < c4; ch += 4) {
          const g0 = v128.load(g + f4(ch));
          let rowIn = in0 + f4(ch);
          let rowT = tap0 + f4(ch);
          for (let i = iLo; i < iHi; i++) {
            let ip = rowIn;
            let tp = rowT;
            for (let j = jLo; j < jHi; j++) {
              const xp = ip + toDx;
              v128.store(
                xp,
                f32x4.add(v128.load(xp), f32x4.mul(g0, v128.load(f + tp))),
              );
              if (wantDf) {
                const fp = df + tp;
                v128.store(
                  fp,
                  f32x4.add(v128.load(fp), f32x4.mul(g0, v128.load(ip))),
                );
              }
              ip += tapStep;
              tp += fTap;
            }
            rowIn += rowStep;
            rowT += fRow;
          }
        }
        for (; ch < c; ch++) {
          const gs = load<f32>(g + f4(ch));
          let rowIn = in0 + f4(ch);
          let rowT = tap0 + f4(ch);
          for (let i = iLo; i < iHi; i++) {
            let ip = rowIn;
            let tp = rowT;
            for (let j = jLo; j < jHi; j++) {
              const xp = ip + toDx;
              store<f32>(xp, load<f32>(xp) + gs * load<f32>(f + tp));
              if (wantDf) {
                const fp = df + tp;
                store<f32>(fp, load<f32>(fp) + gs * load<f32>(ip));
              }
              ip += tapStep;
              tp += fTap;
            }
            rowIn += rowStep;
            rowT += fRow;
          }
        }
      }
    }
  }
}

/**
 * out[m, 0:co] (= or +=) in[m, 0:ci] · wt[ci, co]; rows of `in` are ldi
 * floats apart and rows of `out` ldo apart, so channel slices of a wider
 * tensor can be read and written in place.
 */
export function pw(
  inp: usize,
  ldi: i32,
  m: i32,
  ci: i32,
  wt: usize,
  co: i32,
  out: usize,
  ldo: i32,
  accumulate: bool,
): void {
  const co8 = co & ~7;
  const co4 = co & ~3;
  const wRow = f4(co);
  for (let r = 0; r < m; r++) {
    const a = inp + f4(r * ldi);
    const o = out + f4(r * ldo);
    let col = 0;
    for (; col < co8; col += 8) {
      let acc0 = accumulate ? v128.load(o + f4(col)) : f32x4.splat(0);
      let acc1 = accumulate ? v128.load(o + f4(col), 16) : f32x4.splat(0);
      let ap = a;
      let wp = wt + f4(col);
      for (let i = 0; i < ci; i++) {
        const av = v128.load32_splat(ap);
        acc0 = f32x4.add(acc0, f32x4.mul(av, v128.load(wp)));
        acc1 = f32x4.add(acc1, f32x4.mul(av, v128.load(wp, 16)));
        ap += 4;
        wp += wRow;
      }
      v128.store(o + f4(col), acc0);
      v128.store(o + f4(col), acc1, 16);
    }
    for (; col < co4; col += 4) {
      let acc = accumulate ? v128.load(o + f4(col)) : f32x4.splat(0);
      let ap = a;
      let wp = wt + f4(col);
      for (let i = 0; i < ci; i++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(ap), v128.load(wp)));
        ap += 4;
        wp += wRow;
      }
      v128.store(o + f4(col), acc);
    }
    for (; col < co; col++) {
      let acc: f32 = accumulate ? load<f32>(o + f4(col)) : 0;
      let ap = a;
      let wp = wt + f4(col);
      for (let i = 0; i < ci; i++) {
        acc += load<f32>(ap) * load<f32>(wp);
        ap += 4;
        wp += wRow;
      }
      store<f32>(o + f4(col), acc);
    }
  }
}

/**
 * dw[ci, co] += Σ_m in[m, ci] · g[m, co] (rows ldi and ldg apart). Rows go
 * in chunks that stay in L1 while each (ci, 8 columns) pair sums them in
 * registers.
 */
export function pwGradWeight(
  inp: usize,
  ldi: i32,
  g: usize,
  ldg: i32,
  m: i32,
  ci: i32,
  co: i32,
  dw: usize,
): void {
  const co8 = co & ~7;
  const co4 = co & ~3;
  const inStep = f4(ldi);
  const gStep = f4(ldg);
  for (let r0 = 0; r0 < m; r0 += 256) {
    const rows = min(m - r0, 256);
    for (let i = 0; i < ci; i++) {
      const a0 = inp + f4(r0 * ldi + i);
      const g0 = g + f4(r0 * ldg);
      const row = dw + f4(i * co);
      let col = 0;
      for (; col < co8; col += 8) {
        let acc0 = f32x4.splat(0);
        let acc1 = f32x4.splat(0);
        let ap = a0;
        let gp = g0 + f4(col);
        for (let r = 0; r < rows; r++) {
          const av = v128.load32_splat(ap);
          acc0 = f32x4.add(acc0, f32x4.mul(av, v128.load(gp)));
          acc1 = f32x4.add(acc1, f32x4.mul(av, v128.load(gp, 16)));
          ap += inStep;
          gp += gStep;
        }
        const p = row + f4(col);
        v128.store(p, f32x4.add(v128.load(p), acc0));
        v128.store(p, f32x4.add(v128.load(p, 16), acc1), 16);
      }
      for (; col < co4; col += 4) {
        let acc = f32x4.splat(0);
        let ap = a0;
        let gp = g0 + f4(col);
        for (let r = 0; r < rows; r++) {
          acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(ap), v128.load(gp)));
          ap += inStep;
          gp += gStep;
        }
        const p = row + f4(col);
        v128.store(p, f32x4.add(v128.load(p), acc));
      }
      for (; col < co; col++) {
        let acc: f32 = 0;
        let ap = a0;
        let gp = g0 + f4(col);
        for (let r = 0; r < rows; r++) {
          acc += load<f32>(ap) * load<f32>(gp);
          ap += inStep;
          gp += gStep;
        }
        const p = row + f4(col);
        store<f32>(p, load<f32>(p) + acc);
      }
    }
  }
}

/** wt[co, ci] = w[ci, co]. */
export function transpose(w: usize, ci: i32, co: i32, wt: usize): void {
  for (let i = 0; i < ci; i++) {
    for (let j = 0; j < co; j++) {
      store<f32>(wt + f4(j * ci + i), load<f32>(w + f4(i * co + j)));
    }
  }
}

/**
 * Per-channel sums of the rows of x [m, c] (and of x·y when y ≠ 0) into
 * f64 sums[c] (and sums[c + c]): f32 vectors over blocks of 64 rows, each
 * block added in f64, so long batches keep their precision.
 */
function channelSums(
  x: usize,
  y: usize,
  m: i32,
  c: i32,
  acc: usize,
  sums: usize,
): void {
  const c4 = c & ~3;
  const two = y != 0;
  const cc = two ? 2 * c : c;
  for (let i = 0; i < cc; i++) store<f64>(sums + ((<usize>i) << 3), 0);
  for (let r0 = 0; r0 < m; r0 += 64) {
    const r1 = min(m, r0 + 64);
    for (let i = 0; i < cc; i++) store<f32>(acc + f4(i), 0);
    for (let r = r0; r < r1; r++) {
      const xr = x + f4(r * c);
      for (let ch = 0; ch < c4; ch += 4) {
        const xv = v128.load(xr + f4(ch));
        v128.store(acc + f4(ch), f32x4.add(v128.load(acc + f4(ch)), xv));
        if (two) {
          const p = acc + f4(c + ch);
          v128.store(
            p,
            f32x4.add(
              v128.load(p),
              f32x4.mul(xv, v128.load(y + f4(r * c + ch))),
            ),
          );
        }
      }
      for (let ch = c4; ch < c; ch++) {
        const xs = load<f32>(xr + f4(ch));
        store<f32>(acc + f4(ch), load<f32>(acc + f4(ch)) + xs);
        if (two) {
          const p = acc + f4(c + ch);
          store<f32>(p, load<f32>(p) + xs * load<f32>(y + f4(r * c + ch)));
        }
      }
    }
    for (let i = 0; i < cc; i++) {
      const p = sums + ((<usize>i) << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(acc + f4(i)));
    }
  }
}

/**
 * Batch normalisation without affine parameters over the rows of u [m, c]:
 * out = (u − mean)·rstd with the biased variance, rstd[c] written out.
 * `tmp` holds 3c floats and 2c doubles of scratch (8-byte aligned).
 */
export function bnFwd(
  u: usize,
  m: i32,
  c: i32,
  eps: f32,
  out: usize,
  rstd: usize,
  tmp: usize,
): void {
  const sums = tmp;
  const acc = tmp + ((<usize>(2 * c)) << 3);
  const mean = acc + f4(2 * c);
  channelSums(u, 0, m, c, acc, sums);
  for (let ch = 0; ch < c; ch++) {
    store<f32>(
      mean + f4(ch),
      <f32>(load<f64>(sums + ((<usize>ch) << 3)) / <f64>m),
    );
  }
  // Centre into `out` and sum the squares in the same pass: f32 vectors
  // over blocks of 64 rows, each block added in f64.
  const c4 = c & ~3;
  const sq = sums + ((<usize>c) << 3);
  for (let ch = 0; ch < c; ch++) store<f64>(sq + ((<usize>ch) << 3), 0);
  for (let r0 = 0; r0 < m; r0 += 64) {
    const r1 = min(m, r0 + 64);
    memory.fill(acc, 0, f4(c));
    for (let r = r0; r < r1; r++) {
      const src = u + f4(r * c);
      const dst = out + f4(r * c);
      for (let ch = 0; ch < c4; ch += 4) {
        const d = f32x4.sub(v128.load(src + f4(ch)), v128.load(mean + f4(ch)));
        v128.store(dst + f4(ch), d);
        const p = acc + f4(ch);
        v128.store(p, f32x4.add(v128.load(p), f32x4.mul(d, d)));
      }
      for (let ch = c4; ch < c; ch++) {
        const d = load<f32>(src + f4(ch)) - load<f32>(mean + f4(ch));
        store<f32>(dst + f4(ch), d);
        const p = acc + f4(ch);
        store<f32>(p, load<f32>(p) + d * d);
      }
    }
    for (let ch = 0; ch < c; ch++) {
      const p = sq + ((<usize>ch) << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(acc + f4(ch)));
    }
  }
  for (let ch = 0; ch < c; ch++) {
    const v = load<f64>(sums + ((<usize>(c + ch)) << 3)) / <f64>m;
    store<f32>(rstd + f4(ch), <f32>(1.0 / Math.sqrt(<f64>(<f32>v + eps))));
  }
  scaleRows(out, m, c, rstd);
}

/** x[m, c] *= s[c] in place. */
function scaleRows(x: usize, m: i32, c: i32, s: usize): void {
  const c4 = c & ~3;
  for (let r = 0; r < m; r++) {
    const row = x + f4(r * c);
    for (let ch = 0; ch < c4; ch += 4) {
      v128.store(
        row + f4(ch),
        f32x4.mul(v128.load(row + f4(ch)), v128.load(s + f4(ch))),
      );
    }
    for (let ch = c4; ch < c; ch++) {
      store<f32>(row + f4(ch), load<f32>(row + f4(ch)) * load<f32>(s + f4(ch)));
    }
  }
}

/**
 * The input gradient of bnFwd: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per
 * channel, from g = dL/dx̂ [m, c] and x̂. dx may be g itself.
 */
export function bnBwd(
  g: usize,
  xhat: usize,
  rstd: usize,
  m: i32,
  c: i32,
  dx: usize,
  tmp: usize,
): void {
  const sums = tmp;
  const acc = tmp + ((<usize>(2 * c)) << 3);
  const mg = acc + f4(2 * c);
  const mgx = mg + f4(c);
  channelSums(g, xhat, m, c, acc, sums);
  for (let ch = 0; ch < c; ch++) {
    store<f32>(
      mg + f4(ch),
      <f32>(load<f64>(sums + ((<usize>ch) << 3)) / <f64>m),
    );
    store<f32>(
      mgx + f4(ch),
      <f32>(load<f64>(sums + ((<usize>(c + ch)) << 3)) / <f64>m),
    );
  }
  const c4 = c & ~3;
  for (let r = 0; r < m; r++) {
    const gr = g + f4(r * c);
    const xr = xhat + f4(r * c);
    const dr = dx + f4(r * c);
    for (let ch = 0; ch < c4; ch += 4) {
      const v = f32x4.sub(
        f32x4.sub(v128.load(gr + f4(ch)), v128.load(mg + f4(ch))),
        f32x4.mul(v128.load(xr + f4(ch)), v128.load(mgx + f4(ch))),
      );
      v128.store(dr + f4(ch), f32x4.mul(v, v128.load(rstd + f4(ch))));
    }
    for (let ch = c4; ch < c; ch++) {
      const v =
        load<f32>(gr + f4(ch)) -
        load<f32>(mg + f4(ch)) -
        load<f32>(xr + f4(ch)) * load<f32>(mgx + f4(ch));
      store<f32>(dr + f4(ch), v * load<f32>(rstd + f4(ch)));
    }
  }
}

/** out = max(x, 0) over n floats. */
export function relu(x: usize, n: i32, out: usize): void {
  const n4 = n & ~3;
  const z = f32x4.splat(0);
  for (let i = 0; i < n4; i += 4) {
    v128.store(out + f4(i), f32x4.max(v128.load(x + f4(i)), z));
  }
  for (let i = n4; i < n; i++) {
    store<f32>(out + f4(i), max<f32>(load<f32>(x + f4(i)), 0));
  }
}

/** g = y > 0 ? g : 0 over n floats, in place: ReLU's backward. */
export function reluMask(g: usize, y: usize, n: i32): void {
  const n4 = n & ~3;
  const z = f32x4.splat(0);
  for (let i = 0; i < n4; i += 4) {
    v128.store(
      g + f4(i),
      v128.and(v128.load(g + f4(i)), f32x4.gt(v128.load(y + f4(i)), z)),
    );
  }
  for (let i = n4; i < n; i++) {
    if (!(load<f32>(y + f4(i)) > 0)) store<f32>(g + f4(i), 0);
  }
}

/** y (= or +=) a·x over n floats. */
export function axpy(
  a: f32,
  x: usize,
  y: usize,
  n: i32,
  accumulate: bool,
): void {
  const n4 = n & ~3;
  const av = f32x4.splat(a);
  for (let i = 0; i < n4; i += 4) {
    const t = f32x4.mul(av, v128.load(x + f4(i)));
    v128.store(y + f4(i), accumulate ? f32x4.add(v128.load(y + f4(i)), t) : t);
  }
  for (let i = n4; i < n; i++) {
    const t = a * load<f32>(x + f4(i));
    store<f32>(y + f4(i), accumulate ? load<f32>(y + f4(i)) + t : t);
  }
}

/** Σ x·y over n floats: f32 vectors in blocks of 1024, blocks added in f64. */
export function dot(x: usize, y: usize, n: i32): f64 {
  let total: f64 = 0;
  for (let i0 = 0; i0 < n; i0 += 1024) {
    const i1 = min(n, i0 + 1024);
    const i4 = i0 + ((i1 - i0) & ~3);
    let acc = f32x4.splat(0);
    for (let i = i0; i < i4; i += 4) {
      acc = f32x4.add(
        acc,
        f32x4.mul(v128.load(x + f4(i)), v128.load(y + f4(i))),
      );
    }
    let s: f32 =
      f32x4.extract_lane(acc, 0) +
      f32x4.extract_lane(acc, 1) +
      f32x4.extract_lane(acc, 2) +
      f32x4.extract_lane(acc, 3);
    for (let i = i4; i < i1; i++)
      s += load<f32>(x + f4(i)) * load<f32>(y + f4(i));
    total += <f64>s;
  }
  return total;
}

/** Zeroes n floats. */
export function zero(x: usize, n: i32): void {
  memory.fill(x, 0, f4(n));
}

/**
 * Every second row and column from `phase` (0 or 1): in [n,h,w,c] →
 * out [n,h/2,w/2,c], h and w even. With `adjoint`, scatters out back into
 * in (+=) instead.
 */
export function subsample2(
  inp: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  phase: i32,
  out: usize,
  adjoint: bool,
): void {
  const ho = h >> 1;
  const wo = w >> 1;
  const bytes = f4(c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < ho; y++) {
      for (let x = 0; x < wo; x++) {
        const src = inp + f4(((b * h + 2 * y + phase) * w + 2 * x + phase) * c);
        const dst = out + f4(((b * ho + y) * wo + x) * c);
        if (adjoint) {
          for (let ch = 0; ch < c; ch++) {
            const p = src + f4(ch);
            store<f32>(p, load<f32>(p) + load<f32>(dst + f4(ch)));
          }
        } else {
          memory.copy(dst, src, bytes);
        }
      }
    }
  }
}

/** The valid window rows (or columns) [lo, hi) of a 3x3 pool with pad 1. */
function lo3(o: i32, s: i32): i32 {
  return o * s - 1 < 0 ? 1 : 0;
}
function hi3(o: i32, s: i32, size: i32): i32 {
  return o * s + 1 >= size ? 2 : 3;
}

/**
 * 3x3 pooling with PyTorch's padding of 1, stride s: max (padded cells never
 * win) or average over the window's real pixels (count_include_pad=False).
 */
export function pool3Fwd(
  inp: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  s: i32,
  out: usize,
  ho: i32,
  wo: i32,
  isMax: bool,
): void {
  const c4 = c & ~3;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < ho; y++) {
      const iLo = lo3(y, s);
      const iHi = hi3(y, s, h);
      for (let x = 0; x < wo; x++) {
        const jLo = lo3(x, s);
        const jHi = hi3(x, s, w);
        const o = out + f4(((b * ho + y) * wo + x) * c);
        const base = inp + f4(((b * h + y * s - 1) * w + x * s - 1) * c);
        const inv: f32 = 1 / <f32>((iHi - iLo) * (jHi - jLo));
        for (let ch = 0; ch < c4; ch += 4) {
          let acc = f32x4.splat(isMax ? -Infinity : 0);
          for (let i = iLo; i < iHi; i++) {
            for (let j = jLo; j < jHi; j++) {
              const v = v128.load(base + f4((i * w + j) * c + ch));
              acc = isMax ? f32x4.max(acc, v) : f32x4.add(acc, v);
            }
          }
          v128.store(
            o + f4(ch),
            isMax ? acc : f32x4.mul(acc, f32x4.splat(inv)),
          );
        }
        for (let ch = c4; ch < c; ch++) {
          let acc: f32 = isMax ? -Infinity : 0;
          for (let i = iLo; i < iHi; i++) {
            for (let j = jLo; j < jHi; j++) {
              const v = load<f32>(base + f4((i * w + j) * c + ch));
              acc = isMax ? max<f32>(acc, v) : acc + v;
            }
          }
          store<f32>(o + f4(ch), isMax ? acc : acc * inv);
        }
      }
    }
  }
}

/**
 * The adjoint of pool3Fwd: dx += dy routed to each window's first maximum
 * in scan order (max), or spread evenly over its real pixels (average).
 */
export function pool3Bwd(
  dy: usize,
  inp: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  s: i32,
  ho: i32,
  wo: i32,
  isMax: bool,
  dx: usize,
): void {
  const c4 = c & ~3;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < ho; y++) {
      const iLo = lo3(y, s);
      const iHi = hi3(y, s, h);
      for (let x = 0; x < wo; x++) {
        const jLo = lo3(x, s);
        const jHi = hi3(x, s, w);
        const g = dy + f4(((b * ho + y) * wo + x) * c);
        const base = f4(((b * h + y * s - 1) * w + x * s - 1) * c);
        const inv: f32 = 1 / <f32>((iHi - iLo) * (jHi - jLo));
        for (let ch = 0; ch < c4; ch += 4) {
          const gv = v128.load(g + f4(ch));
          if (isMax) {
            let best = f32x4.splat(-Infinity);
            for (let i = iLo; i < iHi; i++) {
              for (let j = jLo; j < jHi; j++) {
                best = f32x4.max(
                  best,
                  v128.load(inp + base + f4((i * w + j) * c + ch)),
                );
              }
            }
            // Lanes still waiting for their first maximum.
            let open = f32x4.eq(best, best);
            for (let i = iLo; i < iHi; i++) {
              for (let j = jLo; j < jHi; j++) {
                const at = base + f4((i * w + j) * c + ch);
                const hit = v128.and(open, f32x4.eq(v128.load(inp + at), best));
                v128.store(
                  dx + at,
                  f32x4.add(v128.load(dx + at), v128.and(gv, hit)),
                );
                open = v128.andnot(open, hit);
              }
            }
          } else {
            const share = f32x4.mul(gv, f32x4.splat(inv));
            for (let i = iLo; i < iHi; i++) {
              for (let j = jLo; j < jHi; j++) {
                const p = dx + base + f4((i * w + j) * c + ch);
                v128.store(p, f32x4.add(v128.load(p), share));
              }
            }
          }
        }
        for (let ch = c4; ch < c; ch++) {
          const gv = load<f32>(g + f4(ch));
          if (isMax) {
            // A window of -Infinity only routes to its first pixel, as the
            // vector lanes do.
            let best: f32 = -Infinity;
            let at: usize = base + f4((iLo * w + jLo) * c + ch);
            for (let i = iLo; i < iHi; i++) {
              for (let j = jLo; j < jHi; j++) {
                const p = base + f4((i * w + j) * c + ch);
                const v = load<f32>(inp + p);
                if (v > best) {
                  best = v;
                  at = p;
                }
              }
            }
            store<f32>(dx + at, load<f32>(dx + at) + gv);
          } else {
            const share = gv * inv;
            for (let i = iLo; i < iHi; i++) {
              for (let j = jLo; j < jHi; j++) {
                const p = dx + base + f4((i * w + j) * c + ch);
                store<f32>(p, load<f32>(p) + share);
              }
            }
          }
        }
      }
    }
  }
}
