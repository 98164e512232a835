from benchmarks.similarity_judged.judged import main

main()
