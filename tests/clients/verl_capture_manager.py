"""A reward manager for verl's `reward.reward_manager.source=importlib`, loaded by path by
verl.trainer.ppo.reward.load_reward_manager in test_verl.py: it keeps the compute_score that
verl built from the config, so the test can call it (verl's real managers need torch)."""


class CaptureRewardManager:
    def __init__(self, config, tokenizer, compute_score, **kwargs):
        self.config = config
        self.tokenizer = tokenizer
        self.compute_score = compute_score
        self.kwargs = kwargs
