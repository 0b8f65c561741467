"""Print the TF Serving part of docker-compose.yml for the flavors under models/ (one instance
per flavor) and the inference service's address map, to paste after retraining."""

import json
from pathlib import Path

models = Path(__file__).resolve().parents[1] / "models"
flavors = sorted(p.parent.name for p in models.glob("*/manifest.json"))
for flavor in flavors:
    print(f"""  tfs-{flavor}:
    <<: *tfserving
    environment:
      MODEL_NAME: {flavor}
    volumes:
      - ./models/{flavor}:/models/{flavor}:ro
      - ./inference/tfserving/batching_parameters.txt:/config/batching_parameters.txt:ro
""")
print("INFERENCE_TFSERVING_ADDRESSES:", json.dumps({f: f"tfs-{f}:8500" for f in flavors}))
