print("rnnscope")
