#!/bin/bash
# GPU check on a lent machine with CUDA but without this project's packages:
# tests/test_cuda.py (slow tests included), then N = 6400 throughput, GPU
# against one CPU thread of the same machine (docs/results.md, Options: GPU).
# Needs in the repository root, both carried to the machine:
#   .whl/       Python 3.12 wheels: brian2==2.10.1 brian2cuda==1.0b1 pooch
#               platformdirs tomli_w filelock (pip download --no-deps
#               --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 ...)
#   .devcarry/data/mnist.npz   a copy of ~/.cache/stdp/data/mnist.npz
# Writes test_cuda.log and throughput.log to $OUT; about 5.5 min on an H200.
export PYTHONUNBUFFERED=1
: "${OUT:=.}"  # where the logs go (the device tool sets OUT)
t0=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD STDP_CACHE_DIR=$PWD/.devcarry MPLBACKEND=Agg
nvidia-smi -L; which nvcc; nvcc --version | tail -2; g++ --version | head -1; nproc
python3 -c "import brian2, brian2cuda, numpy, sklearn; print('brian2', brian2.__version__, 'numpy', numpy.__version__, 'sklearn', sklearn.__version__)"
export PYTHONWARNINGS=ignore::SyntaxWarning
cu=$(dirname $(dirname $(which nvcc)))
ls $cu/include/curand.h $cu/lib64/libcurand.so* 2>&1 | head -3
if [ ! -e $cu/include/curand.h ]; then
  d=$(python3 -c "import nvidia.curand,os;print(list(nvidia.curand.__path__)[0])" 2>/dev/null)
  echo "curand from pip: $d"; ls $d $d/lib 2>&1 | head
  mkdir -p /tmp/curandlib; for f in $d/lib/libcurand.so*; do ln -sf $f /tmp/curandlib/libcurand.so; done
  export CPATH=$d/include:$CPATH LIBRARY_PATH=/tmp/curandlib:$d/lib:$LIBRARY_PATH LD_LIBRARY_PATH=/tmp/curandlib:$d/lib:$LD_LIBRARY_PATH
fi
echo "setup done after $(( $(date +%s) - t0 )) s"
timeout 150 python3 -m pytest -p no:cacheprovider -m "slow or not slow" tests/test_cuda.py -q -rs 2>&1 | tee $OUT/test_cuda.log | tail -30
echo "tests done after $(( $(date +%s) - t0 )) s"
timeout $(( 360 - ($(date +%s) - t0) )) python3 benchmarks/throughput.py --sizes 6400 --examples 150 --chunk 200 \
  --no-runtime --no-naive --devices cuda_standalone cpp_standalone --generators geometric --queues runs 2>&1 | tee $OUT/throughput.log
echo "all done after $(( $(date +%s) - t0 )) s"
nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv
