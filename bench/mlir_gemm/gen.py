#!/usr/bin/env python3
"""Generate an MLIR module: an fp32 GEMM C += A.B on memrefs, a transform-dialect
schedule for it (upstream MLIR tiling + vectorization, no hand-written kernel),
a scalar reference, and a timing main (rtclock, best of R rounds, GFLOP/s).

  gen.py kernel VARIANT M N K > kernel.mlir   # @gemm on tensors + transform schedule
  gen.py main   VARIANT M N K > main.mlir     # driver on memrefs, "// @@GEMM@@" marks
                                              # where the bufferized @gemm goes

Variants (see VARIANTS below):
  naive            linalg.matmul, no transform (convert-linalg-to-loops, LLVM -O3)
  tile:MRxNR[xKR]:NC:KC[:order]
                   row-major B.  Cache tiles: N blocks of NC, K slices of KC.
                   Register tile MR x NR (x KR): vectorized linalg.matmul whose
                   C tile is hoisted into registers across the inner K loop,
                   vector.contract -> vector.outerproduct -> FMA.
                   order "nm": n-reg loop outside m-reg loop (B micro-panel
                   reused from L1, BLIS order), "mn": the other way.
  packb:MRxNR[xKR]:NC:KC[:order]
                   the same schedule on B pre-packed as [N/NR][K][NR] (packed
                   before timing, as bertc packs weights at compile time):
                   a linalg.generic over (m, nb, nr, k).
NR, KR, NC, KC must divide the problem (checked). When MR does not divide M,
the m loop is peeled (transform.loop.peel), so all inner tiles stay static.
"""
import sys


def parse(variant):
    if variant == "naive":
        return {"kind": "naive"}
    parts = variant.split(":")
    kind = parts[0]
    reg = [int(x) for x in parts[1].split("x")]
    mr, nr = reg[0], reg[1]
    kr = reg[2] if len(reg) > 2 else 1
    nc, kc = int(parts[2]), int(parts[3])
    order = parts[4] if len(parts) > 4 else "nm"
    return {"kind": kind, "mr": mr, "nr": nr, "kr": kr, "nc": nc, "kc": kc, "order": order}


def lowering_patterns(target):
    # Same vector lowering as upstream mlir/test/Dialect/LLVM/transform-e2e.mlir
    # and the ArmNeon matmul integration test: contraction -> outerproduct ->
    # (broadcast x vector) FMA; transfers to loads/stores.
    return f"""
    transform.apply_patterns to {target} {{
      transform.apply_patterns.vector.reduction_to_contract
      transform.apply_patterns.vector.transfer_permutation_patterns
      transform.apply_patterns.vector.lower_masked_transfers
    }} : !transform.any_op
    transform.apply_patterns to {target} {{
      transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
      transform.apply_patterns.vector.lower_outerproduct
      transform.apply_patterns.vector.transfer_permutation_patterns
      transform.apply_patterns.vector.lower_multi_reduction lowering_strategy = "innerparallel"
      transform.apply_patterns.vector.split_transfer_full_partial split_transfer_strategy = "vector-transfer"
      transform.apply_patterns.vector.transfer_to_scf max_transfer_rank = 1 full_unroll = true
      transform.apply_patterns.vector.lower_transfer max_transfer_rank = 1
      transform.apply_patterns.vector.lower_shape_cast
      transform.apply_patterns.vector.lower_transpose lowering_strategy = "shuffle_1d"
      transform.apply_patterns.vector.lower_broadcast
      transform.apply_patterns.canonicalization
    }} : !transform.any_op
"""


def schedule(v, M):
    if v["kind"] == "naive":
        return f"""
module attributes {{transform.with_named_sequence}} {{
  transform.named_sequence @__transform_main(%module: !transform.any_op {{transform.consumed}}) {{
    // bufferize in place; copies as linalg.copy (lowered to loops, so LLVM
    // can drop the C tile's self-copy that insert_slice leaves behind)
    %bm = transform.bufferization.one_shot_bufferize layout{{IdentityLayoutMap}} %module
      {{bufferize_function_boundaries = true, memcpy_op = "linalg.copy"}} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }}
}}
"""
    mr, nr, kr, nc, kc = v["mr"], v["nr"], v["kr"], v["nc"], v["kc"]
    if v["kind"] == "tile":
        match = "linalg.matmul"
        cache = f"[0, {nc}, {kc}]"
        regt = f"[{mr}, {nr}, 0]"
        inter = "[1, 0, 2]" if v["order"] == "nm" else "[0, 1, 2]"
        kt = f"[0, 0, {kr}]"
        fold = ""
    else:  # packb: dims (m, nb, nr, k)
        match = "linalg.generic"
        cache = f"[0, {nc // nr}, 0, {kc}]"
        regt = f"[{mr}, 1, 0, 0]"
        inter = "[1, 0, 2, 3]" if v["order"] == "nm" else "[0, 1, 2, 3]"
        kt = f"[0, 0, 0, {kr}]"
        # drop the unit nb dim of the tiled op (rank-reducing slices), leaving
        # an (m, nr, k) matmul-like generic that vectorizes to vector.contract
        fold = "      transform.apply_patterns.linalg.fold_unit_extent_dims_via_slices\n"
    peel = ""
    if M % mr:
        # MR does not divide M: peel the m loop into full MR-row tiles and one
        # remainder tile; both then have static sizes and vectorize unmasked
        mloop = "%l2#1" if v["order"] == "nm" else "%l2#0"
        peel = f"""    %ml = transform.cast {mloop} : !transform.any_op to !transform.op<"scf.for">
    %mmain, %mrem = transform.loop.peel %ml : (!transform.op<"scf.for">) -> (!transform.any_op, !transform.any_op)
"""
    return f"""
module attributes {{transform.with_named_sequence}} {{
  transform.named_sequence @__transform_main(%module: !transform.any_op {{transform.consumed}}) {{
    %f = transform.structured.match ops{{["func.func"]}} attributes {{sym_name = "gemm"}} in %module
      : (!transform.any_op) -> !transform.any_op
    %mm = transform.structured.match ops{{["{match}"]}} in %f : (!transform.any_op) -> !transform.any_op
    // cache level: N blocks of {nc}, K slices of {kc}
    %t1, %l1:2 = transform.structured.tile_using_for %mm tile_sizes {cache}
      : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    // register level: {mr} x {nr} C tile, loop order {v['order']}
    %t2, %l2:2 = transform.structured.tile_using_for %t1 tile_sizes {regt} interchange = {inter}
      : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    // innermost reduction loop, {kr} per step
    %t3, %l3 = transform.structured.tile_using_for %t2 tile_sizes {kt}
      : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
{peel}    transform.apply_patterns to %f {{
      transform.apply_patterns.canonicalization
      transform.apply_patterns.linalg.tiling_canonicalization
{fold}    }} : !transform.any_op
    %f2 = transform.structured.vectorize_children_and_apply_patterns %f
      : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %f2 {{
      transform.apply_patterns.canonicalization
      transform.apply_patterns.vector.cast_away_vector_leading_one_dim
    }} : !transform.any_op
    transform.apply_cse to %f2 : !transform.any_op
    // keep the C tile in registers across the K loop: hoist the loop-invariant
    // C transfer_read / transfer_write (on tensors) out of the innermost loop
    %c = transform.structured.match ops{{["vector.contract"]}} in %f2 : (!transform.any_op) -> !transform.any_op
    %kl = transform.get_parent_op %c {{op_name = "scf.for"}} : (!transform.any_op) -> !transform.any_op
    transform.loop.hoist_loop_invariant_subsets %kl : !transform.any_op
    // transfer_read(extract_slice) / insert_slice(transfer_write) -> transfers on
    // the whole C: bufferizes to a direct in-place update with no tile copy
    transform.apply_patterns to %f2 {{
      transform.apply_patterns.tensor.fold_tensor_subset_ops_into_vector_transfers
    }} : !transform.any_op
{lowering_patterns('%f2')}
    transform.apply_cse to %f2 : !transform.any_op
    // bufferize in place; copies as linalg.copy (lowered to loops, so LLVM
    // can drop the C tile's self-copy that insert_slice leaves behind)
    %bm = transform.bufferization.one_shot_bufferize layout{{IdentityLayoutMap}} %module
      {{bufferize_function_boundaries = true, memcpy_op = "linalg.copy"}} : (!transform.any_op) -> !transform.any_op
    transform.yield
  }}
}}
"""


def gemm_func(v, M, N, K):
    """The kernel on tensors (destination-passing style). One-shot bufferization
    (bufferize-function-boundaries, identity layouts) turns it into
    @gemm(memref A, memref B, memref C) -> memref updating C in place (the
    returned memref is C itself); that is merged into the memref-based driver module."""
    if v["kind"] == "packb":
        nr = v["nr"]
        nb = N // nr
        return f"""
#mA = affine_map<(m, nb, nr, k) -> (m, k)>
#mB = affine_map<(m, nb, nr, k) -> (nb, k, nr)>
#mC = affine_map<(m, nb, nr, k) -> (m, nb, nr)>
func.func @gemm(%A: tensor<{M}x{K}xf32>, %Bp: tensor<{nb}x{K}x{nr}xf32>, %C: tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32> {{
  %Cv = tensor.expand_shape %C [[0], [1, 2]] output_shape [{M}, {nb}, {nr}] : tensor<{M}x{N}xf32> into tensor<{M}x{nb}x{nr}xf32>
  %R = linalg.generic {{indexing_maps = [#mA, #mB, #mC],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
      ins(%A, %Bp : tensor<{M}x{K}xf32>, tensor<{nb}x{K}x{nr}xf32>) outs(%Cv : tensor<{M}x{nb}x{nr}xf32>) {{
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
  }} -> tensor<{M}x{nb}x{nr}xf32>
  %Rc = tensor.collapse_shape %R [[0], [1, 2]] : tensor<{M}x{nb}x{nr}xf32> into tensor<{M}x{N}xf32>
  return %Rc : tensor<{M}x{N}xf32>
}}
"""
    return f"""
func.func @gemm(%A: tensor<{M}x{K}xf32>, %B: tensor<{K}x{N}xf32>, %C: tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32> {{
  %R = linalg.matmul ins(%A, %B : tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%C : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %R : tensor<{M}x{N}xf32>
}}
"""


def main_func(v, M, N, K, iters, reps):
    packed = v["kind"] == "packb"
    flops = 2.0 * M * N * K * iters
    bty = f"memref<{N // v['nr']}x{K}x{v['nr']}xf32>" if packed else f"memref<{K}x{N}xf32>"
    pack = ""
    if packed:
        nr = v["nr"]
        pack = f"""
  %Bp = memref.alloc() {{alignment = 64}} : {bty}
  %cnr = arith.constant {nr} : index
  %cnb = arith.constant {N // nr} : index
  scf.for %jb = %c0 to %cnb step %c1 {{
    scf.for %k = %c0 to %cK step %c1 {{
      scf.for %jr = %c0 to %cnr step %c1 {{
        %j0 = arith.muli %jb, %cnr : index
        %j = arith.addi %j0, %jr : index
        %x = memref.load %B[%k, %j] : memref<{K}x{N}xf32>
        memref.store %x, %Bp[%jb, %k, %jr] : {bty}
      }}
    }}
  }}"""
    bname = "%Bp" if packed else "%B"
    gemm_decl = f"func.func private @gemm(memref<{M}x{K}xf32>, {bty}, memref<{M}x{N}xf32>)"
    return f"""
// Reference: plain scalar loops, independent of linalg.
func.func @ref(%A: memref<{M}x{K}xf32>, %B: memref<{K}x{N}xf32>, %C: memref<{M}x{N}xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cM = arith.constant {M} : index
  %cN = arith.constant {N} : index
  %cK = arith.constant {K} : index
  scf.for %i = %c0 to %cM step %c1 {{
    scf.for %j = %c0 to %cN step %c1 {{
      %z = memref.load %C[%i, %j] : memref<{M}x{N}xf32>
      %s = scf.for %k = %c0 to %cK step %c1 iter_args(%acc = %z) -> (f32) {{
        %a = memref.load %A[%i, %k] : memref<{M}x{K}xf32>
        %b = memref.load %B[%k, %j] : memref<{K}x{N}xf32>
        %p = arith.mulf %a, %b : f32
        %n = arith.addf %acc, %p : f32
        scf.yield %n : f32
      }}
      memref.store %s, %C[%i, %j] : memref<{M}x{N}xf32>
    }}
  }}
  return
}}

// value(i, j) = ((i * p + j * q) mod r - r/2) / 4: multiples of 1/4 in [-1.5, 1.5],
// so every product and partial sum is exact in fp32 and any summation order
// gives bit-identical results.
func.func @init(%X: memref<?x?xf32>, %p: index, %q: index, %r: index) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %q4 = arith.constant 0.25 : f32
  %d0 = memref.dim %X, %c0 : memref<?x?xf32>
  %d1 = memref.dim %X, %c1 : memref<?x?xf32>
  %h = arith.divui %r, %c2 : index
  scf.for %i = %c0 to %d0 step %c1 {{
    scf.for %j = %c0 to %d1 step %c1 {{
      %a = arith.muli %i, %p : index
      %b = arith.muli %j, %q : index
      %s = arith.addi %a, %b : index
      %m = arith.remui %s, %r : index
      %t = arith.subi %m, %h : index
      %ti = arith.index_cast %t : index to i32
      %tf = arith.sitofp %ti : i32 to f32
      %x = arith.mulf %tf, %q4 : f32
      memref.store %x, %X[%i, %j] : memref<?x?xf32>
    }}
  }}
  return
}}

func.func private @rtclock() -> f64
// @@GEMM@@ (the bufferized kernel is spliced in here)

func.func @main() {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c9 = arith.constant 9 : index
  %c11 = arith.constant 11 : index
  %cM = arith.constant {M} : index
  %cN = arith.constant {N} : index
  %cK = arith.constant {K} : index
  %zero = arith.constant 0.0 : f32
  %A = memref.alloc() {{alignment = 64}} : memref<{M}x{K}xf32>
  %B = memref.alloc() {{alignment = 64}} : memref<{K}x{N}xf32>
  %C = memref.alloc() {{alignment = 64}} : memref<{M}x{N}xf32>
  %R = memref.alloc() {{alignment = 64}} : memref<{M}x{N}xf32>
  %Ad = memref.cast %A : memref<{M}x{K}xf32> to memref<?x?xf32>
  %Bd = memref.cast %B : memref<{K}x{N}xf32> to memref<?x?xf32>
  call @init(%Ad, %c3, %c5, %c9) : (memref<?x?xf32>, index, index, index) -> ()
  call @init(%Bd, %c7, %c2, %c11) : (memref<?x?xf32>, index, index, index) -> ()
  {pack}
  // correctness: C = 0; C += A.B (generated) vs R = 0; R += A.B (reference)
  linalg.fill ins(%zero : f32) outs(%C : memref<{M}x{N}xf32>)
  linalg.fill ins(%zero : f32) outs(%R : memref<{M}x{N}xf32>)
  %g0 = call @gemm(%A, {bname}, %C) : (memref<{M}x{K}xf32>, {bty}, memref<{M}x{N}xf32>) -> memref<{M}x{N}xf32>
  call @ref(%A, %B, %R) : (memref<{M}x{K}xf32>, memref<{K}x{N}xf32>, memref<{M}x{N}xf32>) -> ()
  %err = scf.for %i = %c0 to %cM step %c1 iter_args(%e0 = %zero) -> (f32) {{
    %e1 = scf.for %j = %c0 to %cN step %c1 iter_args(%e = %e0) -> (f32) {{
      %x = memref.load %C[%i, %j] : memref<{M}x{N}xf32>
      %y = memref.load %R[%i, %j] : memref<{M}x{N}xf32>
      %d = arith.subf %x, %y : f32
      %ad = math.absf %d : f32
      %m = arith.maximumf %e, %ad : f32
      scf.yield %m : f32
    }}
    scf.yield %e1 : f32
  }}
  %probe = memref.load %C[%c1, %c2] : memref<{M}x{N}xf32>
  vector.print str "MAXERR "
  vector.print %err : f32
  vector.print str "PROBE "
  vector.print %probe : f32

  // timing: best of {reps} rounds of {iters} calls
  %citers = arith.constant {iters} : index
  %creps = arith.constant {reps} : index
  %big = arith.constant 1.0e30 : f64
  %best = scf.for %r = %c0 to %creps step %c1 iter_args(%b0 = %big) -> (f64) {{
    %t0 = func.call @rtclock() : () -> f64
    scf.for %it = %c0 to %citers step %c1 {{
      %g1 = func.call @gemm(%A, {bname}, %C) : (memref<{M}x{K}xf32>, {bty}, memref<{M}x{N}xf32>) -> memref<{M}x{N}xf32>
    }}
    %t1 = func.call @rtclock() : () -> f64
    %dt = arith.subf %t1, %t0 : f64
    %b1 = arith.minimumf %b0, %dt : f64
    scf.yield %b1 : f64
  }}
  %fl = arith.constant {flops:.1f} : f64
  %g = arith.divf %fl, %best : f64
  %e9 = arith.constant 1.0e9 : f64
  %gf = arith.divf %g, %e9 : f64
  %ci = arith.constant {float(iters):.1f} : f64
  %ms0 = arith.divf %best, %ci : f64
  %e3 = arith.constant 1.0e3 : f64
  %ms = arith.mulf %ms0, %e3 : f64
  vector.print str "MS_PER_CALL "
  vector.print %ms : f64
  vector.print str "GFLOPS "
  vector.print %gf : f64
  memref.dealloc %A : memref<{M}x{K}xf32>
  memref.dealloc %B : memref<{K}x{N}xf32>
  memref.dealloc %C : memref<{M}x{N}xf32>
  memref.dealloc %R : memref<{M}x{N}xf32>
  return
}}
"""


def main():
    what, variant, M, N, K = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    target_gflop = float(sys.argv[6]) if len(sys.argv) > 6 else 8.0
    v = parse(variant)
    if v["kind"] != "naive":
        for name, size, dim in (("NR", v["nr"], N), ("KR", v["kr"], K),
                                ("NC", v["nc"], N), ("KC", v["kc"], K)):
            if dim % size:
                sys.exit(f"{variant}: {name}={size} does not divide {dim}")
        if v["nc"] % v["nr"] or v["kc"] % v["kr"]:
            sys.exit(f"{variant}: NC % NR or KC % KR != 0")
    gflop = 2.0 * M * N * K / 1e9
    if v["kind"] == "naive":
        iters, reps = 1, 3
    else:
        iters, reps = max(1, round(target_gflop / gflop)), 5
    print(f"// generated by bench/mlir_gemm/gen.py {' '.join(sys.argv[1:])}")
    if what == "kernel":
        print(gemm_func(v, M, N, K))
        print(schedule(v, M))
    else:
        print(main_func(v, M, N, K, iters, reps))


if __name__ == "__main__":
    main()
