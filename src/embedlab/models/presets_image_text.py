"""The image–text dual-encoder presets (CLIP, SigLIP, MetaCLIP, DFN, Jina-CLIP): the reference
report's models and the cross-runtime plan's two image–text models. Facts and citations as in
:mod:`embedlab.models.presets` (whose table lists every preset)."""

from __future__ import annotations

from embedlab.models.preset_facts import (
    HALF,
    MTEB,
    OPEN_CLIP_PROFILE,
    OPENAI_MEAN,
    OPENAI_STD,
    Preset,
    PresetFacts,
)

IMAGE_TEXT_PRESETS: tuple[Preset, ...] = (
    Preset(
        name="dfn5b-clip-vit-h-14-378",
        hub_id="apple/DFN5B-CLIP-ViT-H-14-378",
        loader="open_clip",
        prompts={},
        reference="https://huggingface.co/apple/DFN5B-CLIP-ViT-H-14-378 (open_clip_config.json; "
        "license apple-sample-code-license); open_clip pretrained.py (_VITH14_378 dfn5b: "
        f"quick_gelu, bicubic, resize_mode squash, OpenAI mean/std); {OPEN_CLIP_PROFILE} "
        "(ViT-H-14-378-quickgelu 986.71M)",
        note="squashed to 378x378 (no crop); QuickGELU; revision not pinned",
        facts=PresetFacts(
            modality="image-text",
            params=986_710_000,
            embedding_dim=1024,
            context_length=77,
            license="apple-sample-code-license",
            weights_gb=3.95,
            resolution=378,
            interpolation="bicubic",
            resize="squash",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="apple/DFN5B-CLIP-ViT-H-14-378",
        ),
    ),
    Preset(
        name="clip-vit-h-14-laion2b",
        hub_id="laion/CLIP-ViT-H-14-laion2B-s32B-b79K",
        loader="open_clip",
        prompts={},
        reference="https://huggingface.co/laion/CLIP-ViT-H-14-laion2B-s32B-b79K; "
        "open_clip pretrained.py (_VITH14 laion2b_s32b_b79k: bicubic, shortest side + centre "
        "crop, OpenAI mean/std); " + MTEB.format("openclip_models.py"),
        note="shortest side to 224 + centre crop; GELU",
        revision="de081ac0a0ca8dc9d1533eed1ae884bb8ae1404b",
        facts=PresetFacts(
            modality="image-text",
            params=986_109_441,
            embedding_dim=1024,
            context_length=77,
            license="mit",
            weights_gb=3.94,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="laion/CLIP-ViT-H-14-laion2B-s32B-b79K",
        ),
    ),
    Preset(
        name="metaclip-h14-fullcc2.5b",
        hub_id="facebook/metaclip-h14-fullcc2.5b",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/facebook/metaclip-h14-fullcc2.5b (config.json, "
        "preprocessor_config.json; card license cc-by-nc-4.0); open_clip pretrained.py "
        "(_VITH14 metaclip_fullcc: quick_gelu); open_clip "
        "docs/openclip_retrieval_results.csv@89fb801f (ViT-H-14-quickgelu metaclip_fullcc "
        "986.11M)",
        note="non-commercial license; QuickGELU; revision not pinned",
        facts=PresetFacts(
            modality="image-text",
            params=986_110_000,
            embedding_dim=1024,
            context_length=77,
            license="cc-by-nc-4.0",
            weights_gb=3.94,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="facebook/metaclip-h14-fullcc2.5b",
        ),
    ),
    Preset(
        name="jina-clip-v1",
        hub_id="jinaai/jina-clip-v1",
        loader="remote",
        prompts={},
        remote_code=True,
        reference="https://huggingface.co/jinaai/jina-clip-v1; jinaai/jina-clip-implementation "
        "processing_clip.py (JinaCLIPImageProcessor defaults: 224, bicubic, shortest side + "
        "centre crop, OpenAI mean/std); " + MTEB.format("jina_clip.py"),
        note="custom modelling code: needs --trust-remote-code; EVA02-B/16 + JinaBERT "
        "(8192 tokens)",
        revision="06150c7c382d7a4faedc7d5a0d8cdb59308968f4",
        facts=PresetFacts(
            modality="image-text",
            params=222_647_041,
            embedding_dim=768,
            context_length=8192,
            license="apache-2.0",
            weights_gb=0.89,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="jinaai/jina-clip-v1",
        ),
    ),
    Preset(
        name="siglip-so400m-patch14-384",
        hub_id="google/siglip-so400m-patch14-384",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/google/siglip-so400m-patch14-384 (config.json, "
        "preprocessor_config.json); https://huggingface.co/docs/transformers/model_doc/siglip "
        "(padding='max_length', 'This is a photo of {label}.'); " + MTEB.format("siglip_models.py"),
        note="text padded to 64 tokens (max_length padding); squashed to 384x384",
        revision="9fdffc58afc957d1a03a25b10dba0329ab15c2a3",
        facts=PresetFacts(
            modality="image-text",
            params=877_960_498,
            embedding_dim=1152,
            context_length=64,
            license="apache-2.0",
            weights_gb=3.51,
            resolution=384,
            interpolation="bicubic",
            resize="squash",
            mean=HALF,
            std=HALF,
            arch_id="google/siglip-so400m-patch14-384",
        ),
    ),
    Preset(
        name="clip-vit-l-14-336",
        hub_id="openai/clip-vit-large-patch14-336",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/openai/clip-vit-large-patch14-336 (config.json, "
        "preprocessor_config.json); https://github.com/openai/CLIP (LICENSE: MIT); "
        f"{OPEN_CLIP_PROFILE} (ViT-L-14-336 427.94M)",
        note="shortest side to 336 + centre crop; QuickGELU; revision not pinned",
        facts=PresetFacts(
            modality="image-text",
            params=427_940_000,
            embedding_dim=768,
            context_length=77,
            license="mit",
            weights_gb=1.71,
            resolution=336,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="openai/clip-vit-large-patch14-336",
        ),
    ),
    Preset(
        name="siglip-base-patch16-224",
        hub_id="google/siglip-base-patch16-224",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/google/siglip-base-patch16-224 (config.json, "
        "preprocessor_config.json); https://huggingface.co/docs/transformers/model_doc/siglip "
        "(padding='max_length'); " + MTEB.format("siglip_models.py"),
        note="text padded to 64 tokens (max_length padding); squashed to 224x224",
        revision="7fd15f0689c79d79e38b1c2e2e2370a7bf2761ed",
        facts=PresetFacts(
            modality="image-text",
            params=203_155_970,
            embedding_dim=768,
            context_length=64,
            license="apache-2.0",
            weights_gb=0.81,
            resolution=224,
            interpolation="bicubic",
            resize="squash",
            mean=HALF,
            std=HALF,
            arch_id="google/siglip-base-patch16-224",
        ),
    ),
    Preset(
        name="clip-vit-b-16",
        hub_id="openai/clip-vit-base-patch16",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/openai/clip-vit-base-patch16 (config.json, "
        "preprocessor_config.json); https://github.com/openai/CLIP (LICENSE: MIT); "
        + MTEB.format("clip_models.py"),
        note="shortest side to 224 + centre crop; QuickGELU",
        revision="57c216476eefef5ab752ec549e440a49ae4ae5f3",
        facts=PresetFacts(
            modality="image-text",
            params=149_620_737,
            embedding_dim=512,
            context_length=77,
            license="mit",
            weights_gb=0.6,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="openai/clip-vit-base-patch16",
        ),
    ),
)
