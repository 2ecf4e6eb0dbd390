#!/usr/bin/env bash
# One short, prepared GPU session (≈ 6–8 min on one H100/H200): the CUDA tests, the three benchmarks
# (training with and without torch.compile), and a one-GPU torchrun (NCCL) smoke run. Every report goes
# to ${OUT:-gpu-check}/ as text. Needs the package installed (pip install -e ".[dev]") and a CUDA GPU.
set -uo pipefail
out="${OUT:-gpu-check}"
mkdir -p "$out"
run() {  # run NAME COMMAND...: tee the output to $out/NAME.txt, keep going on failure, note the status
    local name=$1; shift
    echo "== $name: $*" | tee "$out/$name.txt"
    local start=$SECONDS
    "$@" 2>&1 | tee -a "$out/$name.txt"
    echo "== $name: exit ${PIPESTATUS[0]} in $((SECONDS - start)) s" | tee -a "$out/$name.txt" "$out/summary.txt"
}
python -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))" | tee "$out/device.txt"
run cuda-tests python -m pytest -q -p no:cacheprovider -k cuda tests/test_engine.py tests/test_data.py \
    tests/test_inpainting.py tests/test_benchmark.py
run bench-dcgan python benchmarks/train_dcgan.py --device cuda
run bench-dcgan-compiled python benchmarks/train_dcgan.py --device cuda --compile inductor
run bench-pix2pix python benchmarks/train_pix2pix.py --device cuda
run bench-pix2pix-compiled python benchmarks/train_pix2pix.py --device cuda --compile inductor
run bench-inpainting python benchmarks/inpainting.py --device cuda --n 256 --restarts 8 --loop-images 8
run torchrun-1gpu torchrun --standalone --nproc_per_node=1 -m gan_course.cli train dcgan --profile full \
    --dataset photos --steps 300 --sample-every 100 --no-progress --out "$out/run-dcgan64" --overwrite
cat "$out/summary.txt"
