#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job: set up what is missing, boot the UML kernel with refcache
# loaded and walk one object's life through debugfs, showing the slab, then a
# cycle and the collector (scripts/guest/demo.sh, which checks each step).
# Options go to scripts/uml-run.sh (e.g. -o DIR keeps the run's files there,
# -x 11008 boots as on an Intel host with AMX).
set -eu
exec "$(dirname "$0")/uml-run.sh" "$@" scripts/guest/demo.sh
