#!/usr/bin/env bash
# One short, prepared GPU session (≈ 6–8 min on one H100/H200): the CUDA tests, the three benchmarks
# (training with and without torch.compile), and a one-GPU torchrun (NCCL) smoke run of the full-size
# DCGAN. Reports: ${OUT:-gpu-check}/gpu_check.log (everything), summary.txt (exit status and seconds of
# each part), metrics.json and the last sample grid of the torchrun run (four files: the device tool
# brings back eight at most). Run it on a machine with a CUDA GPU and a PyTorch with torchvision,
# scikit-learn, scikit-image, matplotlib, tqdm and pytest; nothing is installed: the package
# is imported from this checkout (PYTHONPATH), with $PYTHON (default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-check}"
run_dir="${RUN_DIR:-/tmp/gpu-check-run}"
py="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
mkdir -p "$out"
log="$out/gpu_check.log"
run() {  # run NAME COMMAND...: append the output to the log, keep going on failure, note the status
    local name=$1; shift
    echo "== $name: $*" | tee -a "$log"
    local start=$SECONDS
    "$@" 2>&1 | tee -a "$log"
    echo "== $name: exit ${PIPESTATUS[0]} in $((SECONDS - start)) s" | tee -a "$log" "$out/summary.txt"
}
run device "$py" -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
# inductor's Triton kernels are built with a C compiler; without one the compiled runs fall back to eager
run compiler sh -c 'command -v gcc || command -v cc || command -v clang || { echo "no C compiler: --compile inductor will train eagerly"; exit 1; }'
run cuda-tests "$py" -m pytest -q -p no:cacheprovider -k cuda tests/test_engine.py tests/test_data.py \
    tests/test_inpainting.py tests/test_benchmark.py
run bench-dcgan "$py" benchmarks/train_dcgan.py --device cuda
run bench-dcgan-compiled "$py" benchmarks/train_dcgan.py --device cuda --compile inductor
run bench-pix2pix "$py" benchmarks/train_pix2pix.py --device cuda
run bench-pix2pix-compiled "$py" benchmarks/train_pix2pix.py --device cuda --compile inductor
run bench-inpainting "$py" benchmarks/inpainting.py --device cuda --n 256 --restarts 8 --loop-images 8
run torchrun-1gpu "$py" -m torch.distributed.run --standalone --nproc_per_node=1 -m gan_course.cli train dcgan --profile full \
    --dataset photos --steps 300 --sample-every 100 --no-progress --out "$run_dir" --overwrite
cp "$run_dir/metrics.json" "$out/" 2>/dev/null
cp "$(ls "$run_dir"/samples/step_*.png 2>/dev/null | tail -1)" "$out/last_samples.png" 2>/dev/null
cat "$out/summary.txt"
