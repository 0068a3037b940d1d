package ewf

const adlerBlockMaxTest = adlerBlockMax
