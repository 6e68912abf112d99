"""Training: the recipes, the loop (train_epoch, evaluate, fit), one optimizer step, augmentation, fine-tuning."""
