"""Chinese text for the simulated world: note titles and bodies, organic comments, water-army
scripts and obfuscated diversion contacts."""
