#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job: set up what is missing, boot the UML kernel with refcache
# loaded and walk one object's life through debugfs, showing the slab.
set -eu
exec "$(dirname "$0")/uml-run.sh" scripts/demo-uml.sh
