#!/usr/bin/env bash
# Compose file, Kubernetes manifests and the Grafana dashboard, checked offline.
exec bash "$(dirname "$0")/../check-deploy.sh"
