#!/usr/bin/env bash
# Offline checks of the Terraform, run by `make test` (and so by CI):
#   terraform fmt -check; init (no backend) + validate + `terraform test` (mock provider) for every module and
#   environment; checkov over the tree. Skipped with a message only where the terraform binary is absent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

if ! command -v terraform >/dev/null 2>&1; then
  echo "terraform is not installed: Terraform checks skipped"
  exit 0
fi
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
# A configured but missing CLI config file only produces warnings; ignore it.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi
init_args=(-backend=false -input=false -no-color)
# Offline machines keep the provider in a plugin directory; elsewhere init downloads it.
if [ -d /opt/tf-plugins ]; then init_args+=(-plugin-dir=/opt/tf-plugins); fi

echo "== terraform fmt"
terraform fmt -recursive -check -diff

mkdir -p "$repo/.local/terraform"
for dir in modules/*/ envs/*/; do
  dir="${dir%/}"
  echo "== $dir: init, validate, test"
  # Working files outside the tree, one data dir per root.
  export TF_DATA_DIR="$repo/.local/terraform/${dir//\//-}"
  # An environment's .terraform.lock.hcl is committed: verify it, never rewrite it (a missing or incomplete
  # one fails here instead of being regenerated unnoticed). Modules' lock files are not committed.
  dir_init_args=("${init_args[@]}")
  if [[ "$dir" == envs/* ]]; then dir_init_args+=(-lockfile=readonly); fi
  (
    cd "$dir"
    terraform init "${dir_init_args[@]}" >"$TF_DATA_DIR.init.log" 2>&1 || { cat "$TF_DATA_DIR.init.log"; exit 1; }
    terraform validate -no-color
    terraform test -no-color
  )
done

echo "== checkov"
eval "$("$repo/devtools/bootstrap.sh")"  # UV and UV_PYTHON (empty: uv finds or fetches a Python)
if [ -n "$UV_PYTHON" ]; then export UV_PYTHON; else unset UV_PYTHON; fi
checkov_venv="$repo/.local/venvs/checkov"
requirements="$here/checkov-requirements.txt"
if [ ! -x "$checkov_venv/bin/checkov" ] || ! cmp -s "$requirements" "$checkov_venv/requirements.txt"; then
  "$UV" venv --quiet --clear "$checkov_venv"
  # --python: UV_PYTHON (the workspace's interpreter) must not be the install target.
  "$UV" pip install --quiet --python "$checkov_venv/bin/python" --require-hashes -r "$requirements"
  cp "$requirements" "$checkov_venv/requirements.txt"
fi
BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
  "$checkov_venv/bin/checkov" --directory "$here" --framework terraform --quiet --compact --skip-download \
  --config-file "$here/.checkov.yaml"
